#include "tests/fuzz/config_fuzz_util.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>

#include <memory>
#include <string>

#include "proxy/core/log.h"
#include "proxy/filters/builtin_extensions.h"

namespace meshproxy::fuzz {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void setIfPresent(Message& message, const char* field_name) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName(field_name);
  const Reflection* reflection = message.GetReflection();
  if (field == nullptr) return;
  if (field->has_presence() ? reflection->HasField(message, field)
                            : !reflection->GetString(message, field).empty()) {
    reflection->SetString(&message, field, "/dev/null");
  }
}

void walk(Message& message, int depth) {
  if (depth > 200) return;
  const Descriptor* descriptor = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  const std::string& name = descriptor->full_name();
  if (name == "google.protobuf.Any") {
    const FieldDescriptor* url_field = descriptor->FindFieldByNumber(1);
    const FieldDescriptor* value_field = descriptor->FindFieldByNumber(2);
    const std::string url = reflection->GetString(message, url_field);
    const Descriptor* inner = google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
        url.substr(url.rfind('/') + 1));
    if (inner == nullptr) return;
    const Message* prototype = google::protobuf::MessageFactory::generated_factory()->GetPrototype(inner);
    if (prototype == nullptr) return;
    std::unique_ptr<Message> unpacked(prototype->New());
    if (!unpacked->ParseFromString(reflection->GetString(message, value_field))) return;
    walk(*unpacked, depth + 1);
    reflection->SetString(&message, value_field, unpacked->SerializeAsString());
    return;
  }
  if (name == "envoy.extensions.access_loggers.file.v3.FileAccessLog") setIfPresent(message, "path");
  if (name == "envoy.config.core.v3.DataSource") setIfPresent(message, "filename");
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      const int n = reflection->FieldSize(message, field);
      for (int j = 0; j < n; ++j) walk(*reflection->MutableRepeatedMessage(&message, field, j), depth + 1);
    } else if (reflection->HasField(message, field)) {
      walk(*reflection->MutableMessage(&message, field), depth + 1);
    }
  }
}

}  // namespace

void neutralizeFiles(Message& message) { walk(message, 0); }

void initConfigFuzzing() {
  static const bool done = [] {
    filters::registerBuiltinExtensions();
    log::setLevel(log::Level::kOff);
    return true;
  }();
  (void)done;
}

}  // namespace meshproxy::fuzz
