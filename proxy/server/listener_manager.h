#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/config/snapshot.h"

namespace meshproxy::server {

// Owns the bound sockets of every listener (main thread). Applying a new listener set is
// all or nothing: every new or changed listener is bound first, and if any bind fails the
// current set stays as it was.
class ListenerManager {
 public:
  explicit ListenerManager(int concurrency) : concurrency_(concurrency) {}

  absl::StatusOr<std::vector<config::ListenerHandle>> apply(
      const std::vector<std::shared_ptr<const network::ListenerConfig>>& listeners);
  const std::vector<config::ListenerHandle>& current() const { return current_; }

 private:
  int concurrency_;
  std::vector<config::ListenerHandle> current_;
};

}  // namespace meshproxy::server
