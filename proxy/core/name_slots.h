#pragma once

#include <cstdint>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"

namespace meshproxy {

// Small dense numbers for names, handed out at config time, so that the data path finds a
// worker's object for a name configured statically (a route's cluster) by indexing a vector
// instead of hashing the name per request. A name keeps its slot for the life of the
// process; slots are never reused (a name costs one map entry and one pointer per worker).
class NameSlots {
 public:
  static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

  // The slot of `name`, given out on first use. Config time: takes a lock.
  uint32_t intern(std::string_view name) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto [it, inserted] = slots_.try_emplace(std::string(name), next_);
    if (inserted) ++next_;
    return it->second;
  }
  // Slots given out so far (the size a table indexed by slot needs).
  uint32_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return next_;
  }

 private:
  mutable std::mutex mutex_;
  absl::flat_hash_map<std::string, uint32_t> slots_;
  uint32_t next_ = 0;
};

// The slots of cluster names: route and tcp_proxy translation intern the clusters they name,
// and each worker's cluster manager indexes its clusters by the same numbers.
inline NameSlots& clusterSlots() {
  static NameSlots slots;
  return slots;
}

// The slots of RDS route configuration names: the connection manager's translation interns the
// name it routes with, and each worker indexes its RDS tables by the same numbers.
inline NameSlots& routeConfigSlots() {
  static NameSlots slots;
  return slots;
}

}  // namespace meshproxy
