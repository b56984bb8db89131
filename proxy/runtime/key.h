// Runtime keys named by config, resolved to slots once at translation time, so that the data
// path reads a value by index instead of hashing the key's name per request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace meshproxy::runtime {

class Key {
 public:
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  Key() = default;  // the empty key: never set, every lookup gives the default
  // Main thread (config translation): interns `name` in the process-wide KeyRegistry.
  explicit Key(std::string name);

  const std::string& name() const { return name_; }
  uint32_t slot() const { return slot_; }
  bool empty() const { return slot_ == kNoSlot; }

 private:
  std::string name_;
  uint32_t slot_ = kNoSlot;
};

// Every key config has named, in order of first use; slots are never reused or removed (a
// key costs one pointer per snapshot). Main thread only: workers never read it.
class KeyRegistry {
 public:
  static KeyRegistry& global();
  uint32_t intern(std::string_view name);
  size_t size() const { return names_.size(); }
  const std::string& name(uint32_t slot) const { return names_[slot]; }

 private:
  std::vector<std::string> names_;
};

}  // namespace meshproxy::runtime
