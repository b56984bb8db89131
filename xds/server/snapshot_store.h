// The hand-over point between the main loop (which loads resources) and the stream threads
// (which serve them): the current ResourceSource, swapped whole under a mutex, and a list of
// streams to wake when it changes. Streams never see a half-applied update.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "xds/server/resource_source.h"

namespace meshproxy::xds_server {

class SnapshotStore {
 public:
  struct Current {
    std::shared_ptr<const ResourceSource> source;  // never null
    uint64_t generation = 0;                       // +1 per publish
  };

  SnapshotStore();

  // Thread-safe. Replaces the source, then wakes every listener (a listener may call
  // current()).
  void publish(std::shared_ptr<const ResourceSource> source);
  Current current() const;

  // A listener is called on the publishing thread; it should only wake its own thread.
  // removeListener() waits for a call in progress, so the listener's owner may be destroyed
  // right after it; do not call it while holding a lock the listener takes.
  uint64_t addListener(std::function<void()> listener);
  void removeListener(uint64_t id);

 private:
  mutable absl::Mutex mu_;
  Current current_ ABSL_GUARDED_BY(mu_);
  // Separate from mu_: listeners run under it, and they may call current().
  absl::Mutex listeners_mu_;
  std::map<uint64_t, std::function<void()>> listeners_ ABSL_GUARDED_BY(listeners_mu_);
  uint64_t next_listener_id_ ABSL_GUARDED_BY(listeners_mu_) = 1;
};

}  // namespace meshproxy::xds_server
