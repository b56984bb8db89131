// The bootstrap's layered_runtime (Envoy's Runtime::Loader): static layers flattened into
// dotted keys, at most one admin layer changed by admin /runtime_modify, and the snapshot of
// them all. Main thread only; workers see snapshots through Snapshot::current().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/runtime/snapshot.h"

namespace envoy::config::bootstrap::v3 {
class Bootstrap;
class LayeredRuntime;
}  // namespace envoy::config::bootstrap::v3

namespace meshproxy::runtime {

class Loader {
 public:
  // Envoy's defaults: without layered_runtime, an empty static layer "base" and an admin layer
  // "admin"; with layered_runtime but no layers, one admin layer. Errors (InvalidArgument):
  // duplicate layer names, more than one admin layer, a layer without a kind, a list or null
  // in a static layer, and disk_layer / rtds_layer (not implemented).
  static absl::StatusOr<std::unique_ptr<Loader>> create(
      const envoy::config::bootstrap::v3::Bootstrap& bootstrap);
  static absl::StatusOr<std::unique_ptr<Loader>> create(
      const envoy::config::bootstrap::v3::LayeredRuntime& config);

  // The current snapshot.
  const SnapshotSharedPtr& snapshot() const { return snapshot_; }

  // From now on, every new snapshot becomes this thread's Snapshot::current() (the thread
  // that translates config) and is passed to `on_update`, to post it to the workers. Called
  // once, with the current snapshot too.
  void activate(std::function<void(SnapshotSharedPtr)> on_update);

  // Admin /runtime_modify: sets each key in the admin layer, or removes it for an empty
  // value. FailedPrecondition when no admin layer is configured (Envoy: "No admin layer
  // specified").
  absl::Status mergeAdminValues(const std::vector<std::pair<std::string, std::string>>& values);

  // Rebuilds the snapshot when config has named keys since it was built, so that their slots
  // resolve without a by-name lookup. True if a new snapshot was made.
  bool refreshKeys();

  // Keys under "envoy." set by a static layer that meshproxy does not read (Envoy's own
  // reloadable features and resource limits): the caller warns about them.
  std::vector<std::string> unreadEnvoyKeys() const;

 private:
  Loader() = default;
  void rebuild();

  std::vector<LayerSharedPtr> static_layers_;  // in order, with the admin layer's position
  int admin_index_ = -1;
  size_t built_with_keys_ = 0;
  SnapshotSharedPtr snapshot_;
  bool active_ = false;
  std::function<void(SnapshotSharedPtr)> on_update_;
};

}  // namespace meshproxy::runtime
