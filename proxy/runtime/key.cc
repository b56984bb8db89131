#include "proxy/runtime/key.h"

#include "absl/container/flat_hash_map.h"

namespace meshproxy::runtime {

Key::Key(std::string name) : name_(std::move(name)) {
  if (!name_.empty()) slot_ = KeyRegistry::global().intern(name_);
}

KeyRegistry& KeyRegistry::global() {
  static KeyRegistry* registry = new KeyRegistry;
  return *registry;
}

uint32_t KeyRegistry::intern(std::string_view name) {
  static absl::flat_hash_map<std::string, uint32_t>* slots =
      new absl::flat_hash_map<std::string, uint32_t>;
  auto [it, inserted] = slots->try_emplace(std::string(name), static_cast<uint32_t>(names_.size()));
  if (inserted) names_.emplace_back(name);
  return it->second;
}

}  // namespace meshproxy::runtime
