#include "proxy/http/route_config.h"

#include "proxy/core/name_slots.h"

namespace meshproxy::http {

WorkerRouteTables::WorkerRouteTables(Releaser& releaser, std::shared_ptr<const void> keep_alive,
                                     const RouteConfigMap& map)
    : releaser_(releaser), keep_alive_(std::move(keep_alive)) {
  // Applying a snapshot, not per request: interning takes a lock.
  for (const auto& [name, table] : map.tables) {
    uint32_t slot = routeConfigSlots().intern(name);
    if (slot >= by_slot_.size()) by_slot_.resize(slot + 1, nullptr);
    by_slot_[slot] = table.get();
  }
}

}  // namespace meshproxy::http
