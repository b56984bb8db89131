#include "xds/server/snapshot_store.h"

#include "xds/server/layered_source.h"

namespace meshproxy::xds_server {

SnapshotStore::SnapshotStore() {
  // Until the first publish, streams see an empty set rather than a null pointer.
  current_.source =
      std::make_shared<const LayeredSource>(std::vector<std::shared_ptr<const ResourceSource>>{});
}

void SnapshotStore::publish(std::shared_ptr<const ResourceSource> source) {
  {
    absl::MutexLock lock(&mu_);
    current_.source = std::move(source);
    ++current_.generation;
  }
  absl::MutexLock lock(&listeners_mu_);
  for (const auto& [id, wake] : listeners_) wake();
}

SnapshotStore::Current SnapshotStore::current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

uint64_t SnapshotStore::addListener(std::function<void()> listener) {
  absl::MutexLock lock(&listeners_mu_);
  uint64_t id = next_listener_id_++;
  listeners_.emplace(id, std::move(listener));
  return id;
}

void SnapshotStore::removeListener(uint64_t id) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(id);
}

}  // namespace meshproxy::xds_server
