#include "xds/server/resource_builder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "xds/server/content_hash.h"

namespace meshproxy::xds_server {
namespace {

using google::protobuf::FieldDescriptor;

std::string_view typeName(std::string_view type_url) {
  size_t slash = type_url.rfind('/');
  return slash == std::string_view::npos ? type_url : type_url.substr(slash + 1);
}

// The field that names a resource in the xDS protocol (resource_names refers to it).
std::string nameFieldOf(const google::protobuf::Descriptor& descriptor) {
  if (descriptor.full_name() == "envoy.config.endpoint.v3.ClusterLoadAssignment") {
    return "cluster_name";
  }
  return "name";
}

std::string deterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

}  // namespace

absl::StatusOr<Resource> buildResource(const google::protobuf::Any& any, std::string source) {
  std::string type_name(typeName(any.type_url()));
  const auto* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type_name);
  if (descriptor == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown @type '", any.type_url(), "'"));
  }
  std::unique_ptr<google::protobuf::Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
  if (!message->ParseFromString(any.value())) {
    return absl::InvalidArgumentError(absl::StrCat("cannot parse a ", type_name));
  }
  std::string name_field = nameFieldOf(*descriptor);
  const FieldDescriptor* field = descriptor->FindFieldByName(name_field);
  if (field == nullptr || field->is_repeated() || field->type() != FieldDescriptor::TYPE_STRING) {
    return absl::InvalidArgumentError(
        absl::StrCat(type_name, " has no '", name_field, "' field to name it by"));
  }
  std::string name = message->GetReflection()->GetString(*message, field);
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(type_name, " without a '", name_field, "'"));
  }

  Resource resource;
  // Clients ask by the canonical URL, whatever prefix the file used.
  resource.type_url = absl::StrCat("type.googleapis.com/", descriptor->full_name());
  resource.name = std::move(name);
  resource.body.set_type_url(resource.type_url);
  resource.body.set_value(deterministicBytes(*message));
  resource.content_hash = sha256Hex(resource.body.value());
  resource.source = std::move(source);
  return resource;
}

}  // namespace meshproxy::xds_server
