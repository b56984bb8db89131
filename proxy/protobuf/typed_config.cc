#include "proxy/protobuf/typed_config.h"

#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"
#include "proxy/protobuf/api_types.h"
#include "udpa/type/v1/typed_struct.pb.h"
#include "xds/type/v3/typed_struct.pb.h"

namespace meshproxy::protobuf {
namespace {

using google::protobuf::Any;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

constexpr std::string_view kUdpaTypedStruct = "udpa.type.v1.TypedStruct";
constexpr std::string_view kXdsTypedStruct = "xds.type.v3.TypedStruct";
// Anys nest only as deep as filters inside filters; far deeper input is an attack or a loop.
constexpr int kMaxAnyDepth = 32;

std::string_view typeName(std::string_view type_url) {
  size_t slash = type_url.rfind('/');
  return slash == std::string_view::npos ? type_url : type_url.substr(slash + 1);
}

// The wrapped type URL and Struct of a TypedStruct (both wrappers have the same two fields).
bool readTypedStruct(const Any& any, std::string* type_url, google::protobuf::Struct* value) {
  if (typeName(any.type_url()) == kUdpaTypedStruct) {
    udpa::type::v1::TypedStruct ts;
    if (!any.UnpackTo(&ts)) return false;
    *type_url = ts.type_url();
    *value = ts.value();
    return true;
  }
  xds::type::v3::TypedStruct ts;
  if (!any.UnpackTo(&ts)) return false;
  *type_url = ts.type_url();
  *value = ts.value();
  return true;
}

class Unwrapper {
 public:
  // Returns whether `message` changed.
  absl::StatusOr<bool> message(Message& m, const std::string& path, int depth) {
    const auto* reflection = m.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    reflection->ListFields(m, &fields);
    bool changed = false;
    for (const FieldDescriptor* field : fields) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
      const auto* type = field->message_type();
      bool is_any = type->full_name() == "google.protobuf.Any";
      // Other well-known types (Struct, Duration, wrappers) hold no Any.
      if (!is_any && type->file()->package() == "google.protobuf") continue;
      std::string field_path =
          path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
      int n = field->is_repeated() ? reflection->FieldSize(m, field) : 1;
      for (int i = 0; i < n; ++i) {
        Message* child = field->is_repeated() ? reflection->MutableRepeatedMessage(&m, field, i)
                                              : reflection->MutableMessage(&m, field);
        std::string child_path =
            field->is_repeated() ? absl::StrCat(field_path, "[", i, "]") : field_path;
        absl::StatusOr<bool> r =
            is_any ? any(*child, child_path, depth) : message(*child, child_path, depth);
        if (!r.ok()) return r.status();
        changed |= *r;
      }
    }
    return changed;
  }

 private:
  // `m` is a google.protobuf.Any, generated or (inside a dynamic message) dynamic.
  absl::StatusOr<bool> any(Message& m, const std::string& path, int depth) {
    if (depth >= kMaxAnyDepth) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": typed configs nested deeper than ", kMaxAnyDepth));
    }
    Any local;
    Any* a = dynamic_cast<Any*>(&m);
    if (a == nullptr) {
      local.ParseFromString(m.SerializeAsString());
      a = &local;
    }
    bool changed = false;
    if (isTypedStruct(*a)) {
      std::string type_url;
      google::protobuf::Struct value;
      if (!readTypedStruct(*a, &type_url, &value)) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": cannot decode ", a->type_url()));
      }
      if (findApiType(type_url) == nullptr) return false;  // left for the registry to name
      std::string json;
      google::protobuf::util::MessageToJsonString(value, &json);
      std::string binary;
      google::protobuf::util::JsonParseOptions options;
      auto status = google::protobuf::util::JsonToBinaryString(&apiTypeResolver(), type_url, json,
                                                               &binary, options);
      if (!status.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(path, " (TypedStruct of ", type_url,
                                                       "): ", std::string(status.message())));
      }
      a->set_type_url(type_url);
      a->set_value(std::move(binary));
      changed = true;
    }
    // The inner message holds a TypedStruct only if its bytes name one (type URLs are stored as
    // plain strings); most configs skip the parse below.
    if (a->value().find("TypedStruct") != std::string::npos) {
      const auto* descriptor = findApiType(a->type_url());
      if (descriptor != nullptr) {
        google::protobuf::DynamicMessageFactory factory(&apiDescriptorPool());
        std::unique_ptr<Message> inner(factory.GetPrototype(descriptor)->New());
        if (!inner->ParseFromString(a->value())) {
          return absl::InvalidArgumentError(absl::StrCat(path, ": cannot decode ", a->type_url()));
        }
        auto r = message(*inner, path, depth + 1);
        if (!r.ok()) return r.status();
        if (*r) {
          a->set_value(inner->SerializeAsString());
          changed = true;
        }
      }
    }
    if (changed && a == &local) m.ParseFromString(local.SerializeAsString());
    return changed;
  }
};

// Returns whether anything was rewritten.
bool wrapUnknown(google::protobuf::Value& value, int depth) {
  if (depth > 256) return false;  // the YAML/JSON loaders bound nesting well below this
  bool changed = false;
  if (value.has_list_value()) {
    for (auto& v : *value.mutable_list_value()->mutable_values())
      changed |= wrapUnknown(v, depth + 1);
    return changed;
  }
  if (!value.has_struct_value()) return false;
  auto* fields = value.mutable_struct_value()->mutable_fields();
  auto type = fields->find("@type");
  if (type != fields->end() && type->second.has_string_value() &&
      findApiType(type->second.string_value()) == nullptr) {
    google::protobuf::Struct wrapped;
    auto& out = *wrapped.mutable_fields();
    out["@type"].set_string_value(absl::StrCat("type.googleapis.com/", toAbsl(kUdpaTypedStruct)));
    out["type_url"].set_string_value(type->second.string_value());
    fields->erase(type);
    *out["value"].mutable_struct_value() = value.struct_value();
    *value.mutable_struct_value() = std::move(wrapped);
    return true;
  }
  for (auto& [key, v] : *fields) changed |= wrapUnknown(v, depth + 1);
  return changed;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> wrapTypesOutsideTheApi(std::string_view json) {
  google::protobuf::Value value;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &value);
  if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
  if (!wrapUnknown(value, 0)) return std::nullopt;
  std::string out;
  status = google::protobuf::util::MessageToJsonString(value, &out);
  if (!status.ok()) return absl::InvalidArgumentError(std::string(status.message()));
  return std::optional<std::string>(std::move(out));
}

bool isTypedStruct(const Any& any) {
  std::string_view name = typeName(any.type_url());
  return name == kUdpaTypedStruct || name == kXdsTypedStruct;
}

std::string extensionTypeUrl(const Any& any) {
  if (isTypedStruct(any)) {
    std::string type_url;
    google::protobuf::Struct value;
    if (readTypedStruct(any, &type_url, &value)) return type_url;
  }
  return any.type_url();
}

absl::Status unwrapTypedStructs(Message& message) {
  Unwrapper unwrapper;
  auto changed = unwrapper.message(message, "", 0);
  return changed.ok() ? absl::OkStatus() : changed.status();
}

absl::Status unsupportedExtension(std::string_view name, const Any& typed_config) {
  return absl::InvalidArgumentError(absl::StrCat("unsupported extension '", toAbsl(name), "' (",
                                                 extensionTypeUrl(typed_config), ")"));
}

}  // namespace meshproxy::protobuf
