#include "proxy/protobuf/supported_fields.h"

#include <google/protobuf/any.pb.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"

namespace meshproxy::protobuf {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

SupportedFields::SupportedFields(std::initializer_list<Entry> entries) {
  for (const auto& [type, names] : entries) {
    auto& set = fields_[std::string(type)];
    for (auto n : names) {
      if (!n.empty() && n.back() == '*') {
        n.remove_suffix(1);
        delegated_.insert(absl::StrCat(toAbsl(type), ".", toAbsl(n)));
      }
      set.insert(std::string(n));
    }
  }
}

SupportedFields& SupportedFields::merge(const SupportedFields& other) {
  for (const auto& [type, names] : other.fields_) fields_[type].insert(names.begin(), names.end());
  delegated_.insert(other.delegated_.begin(), other.delegated_.end());
  return *this;
}

absl::Status SupportedFields::check(const Message& message, std::string_view root) const {
  return checkMessage(message, std::string(root));
}

namespace {
bool isLeafType(const std::string& full_name) {
  return absl::StartsWith(full_name, "google.protobuf.");
}
std::string join(const std::string& path, std::string_view field) {
  return path.empty() ? std::string(field) : absl::StrCat(path, ".", toAbsl(field));
}
}  // namespace

absl::Status SupportedFields::checkMessage(const Message& message, const std::string& path) const {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> set_fields;
  reflection->ListFields(message, &set_fields);
  if (set_fields.empty()) return absl::OkStatus();

  auto it = fields_.find(descriptor->full_name());
  for (const FieldDescriptor* field : set_fields) {
    std::string field_path = join(path, field->name());
    if (it == fields_.end() || !it->second.contains(field->name())) {
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported field '", field_path, "' (", field->full_name(),
                       "): meshproxy does not implement it"));
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (delegated_.contains(field->full_name())) continue;
    const std::string& type = field->message_type()->full_name();
    if (isLeafType(type)) continue;
    if (field->is_repeated()) {
      int n = reflection->FieldSize(message, field);
      for (int i = 0; i < n; ++i) {
        const Message& child = reflection->GetRepeatedMessage(message, field, i);
        if (field->is_map()) {
          // Map entries: check the value message only.
          const auto* value_field = child.GetDescriptor()->FindFieldByName("value");
          if (value_field != nullptr && value_field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
              !isLeafType(value_field->message_type()->full_name())) {
            auto status = checkMessage(child.GetReflection()->GetMessage(child, value_field),
                                       absl::StrCat(field_path, "[", i, "]"));
            if (!status.ok()) return status;
          }
          continue;
        }
        auto status = checkMessage(child, absl::StrCat(field_path, "[", i, "]"));
        if (!status.ok()) return status;
      }
    } else {
      auto status = checkMessage(reflection->GetMessage(message, field), field_path);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

void SupportedFields::collect(const Message& message, std::string_view root,
                              const CollectHooks& hooks, std::vector<std::string>* unsupported) const {
  collectMessage(message, std::string(root), hooks, unsupported);
}

void SupportedFields::collectChild(const Message& child, const Message& owner, bool delegated,
                                   const std::string& path, const CollectHooks& hooks,
                                   std::vector<std::string>* unsupported) const {
  const auto* type = child.GetDescriptor();
  if (type->full_name() == google::protobuf::Any::descriptor()->full_name()) {
    if (hooks.any) {
      google::protobuf::Any any;
      if (const auto* typed = dynamic_cast<const google::protobuf::Any*>(&child)) {
        any = *typed;
      } else {
        any.ParseFromString(child.SerializeAsString());
      }
      hooks.any(any, path, owner);
    }
    return;
  }
  if (isLeafType(type->full_name())) return;
  if (delegated) {
    const SupportedFields* table = hooks.delegate ? hooks.delegate(*type) : nullptr;
    if (table != nullptr) table->collectMessage(child, path, hooks, unsupported);
    return;
  }
  collectMessage(child, path, hooks, unsupported);
}

void SupportedFields::collectMessage(const Message& message, const std::string& path,
                                     const CollectHooks& hooks,
                                     std::vector<std::string>* unsupported) const {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> set_fields;
  reflection->ListFields(message, &set_fields);
  auto it = fields_.find(descriptor->full_name());
  for (const FieldDescriptor* field : set_fields) {
    std::string field_path = join(path, field->name());
    if (it == fields_.end() || !it->second.contains(field->name())) {
      unsupported->push_back(absl::StrCat(field_path, " (", field->full_name(), ")"));
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const bool delegated = delegated_.contains(field->full_name());
    if (!field->is_repeated()) {
      collectChild(reflection->GetMessage(message, field), message, delegated, field_path, hooks,
                   unsupported);
      continue;
    }
    int n = reflection->FieldSize(message, field);
    for (int i = 0; i < n; ++i) {
      const Message& child = reflection->GetRepeatedMessage(message, field, i);
      if (field->is_map()) {
        const auto* key_field = child.GetDescriptor()->FindFieldByName("key");
        const auto* value_field = child.GetDescriptor()->FindFieldByName("value");
        if (value_field == nullptr || value_field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
          continue;
        }
        std::string key = key_field != nullptr && key_field->type() == FieldDescriptor::TYPE_STRING
                              ? child.GetReflection()->GetString(child, key_field)
                              : absl::StrCat(i);
        collectChild(child.GetReflection()->GetMessage(child, value_field), message, delegated,
                     absl::StrCat(field_path, "[", key, "]"), hooks, unsupported);
        continue;
      }
      collectChild(child, message, delegated, absl::StrCat(field_path, "[", i, "]"), hooks,
                   unsupported);
    }
  }
}

}  // namespace meshproxy::protobuf
