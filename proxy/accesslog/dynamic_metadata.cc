#include "proxy/accesslog/dynamic_metadata.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/container/flat_hash_map.h"

namespace meshproxy::accesslog {

struct DynamicMetadata::Namespaces {
  absl::flat_hash_map<std::string, google::protobuf::Struct> by_name;
};

DynamicMetadata::DynamicMetadata() = default;
DynamicMetadata::~DynamicMetadata() = default;
DynamicMetadata::DynamicMetadata(DynamicMetadata&&) noexcept = default;
DynamicMetadata& DynamicMetadata::operator=(DynamicMetadata&&) noexcept = default;

DynamicMetadata::DynamicMetadata(const DynamicMetadata& other)
    : namespaces_(other.namespaces_ ? std::make_unique<Namespaces>(*other.namespaces_) : nullptr) {}

DynamicMetadata& DynamicMetadata::operator=(const DynamicMetadata& other) {
  if (this != &other) {
    namespaces_ = other.namespaces_ ? std::make_unique<Namespaces>(*other.namespaces_) : nullptr;
  }
  return *this;
}

bool DynamicMetadata::empty() const {
  return namespaces_ == nullptr || namespaces_->by_name.empty();
}

const google::protobuf::Struct* DynamicMetadata::get(std::string_view ns) const {
  if (namespaces_ == nullptr) return nullptr;
  auto it = namespaces_->by_name.find(absl::string_view(ns.data(), ns.size()));
  return it == namespaces_->by_name.end() ? nullptr : &it->second;
}

google::protobuf::Struct& DynamicMetadata::mutableNamespace(std::string_view ns) {
  if (namespaces_ == nullptr) namespaces_ = std::make_unique<Namespaces>();
  return namespaces_->by_name[absl::string_view(ns.data(), ns.size())];
}

void DynamicMetadata::merge(std::string_view ns, const google::protobuf::Struct& fields) {
  auto& target = *mutableNamespace(ns).mutable_fields();
  for (const auto& [key, value] : fields.fields()) target[key] = value;
}

const google::protobuf::Value* DynamicMetadata::find(const std::vector<std::string>& path) const {
  if (path.size() < 2) return nullptr;
  const google::protobuf::Struct* current = get(path[0]);
  const google::protobuf::Value* value = nullptr;
  for (size_t i = 1; i < path.size(); ++i) {
    if (current == nullptr) return nullptr;
    auto it = current->fields().find(path[i]);
    if (it == current->fields().end()) return nullptr;
    value = &it->second;
    current = value->has_struct_value() ? &value->struct_value() : nullptr;
  }
  return value;
}

bool appendMetadataValue(const google::protobuf::Value& value, std::string& out) {
  if (value.has_string_value()) {
    out += value.string_value();
    return true;
  }
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(value, &json).ok()) json = "null";
  out += json;
  return false;
}

}  // namespace meshproxy::accesslog
