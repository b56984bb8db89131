#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/config/snapshot.h"
#include "proxy/server/resource_stores.h"

namespace meshproxy::server {

// Hosts of STRICT_DNS clusters by cluster name, as the last lookups found them.
using DnsHosts = absl::flat_hash_map<std::string, upstream::HostVector>;

// What one build changed against the snapshot before it, by name.
struct NameDiff {
  std::vector<std::string> added;
  std::vector<std::string> changed;
  std::vector<std::string> removed;
  bool empty() const { return added.empty() && changed.empty() && removed.empty(); }
};
struct SnapshotDiff {
  NameDiff clusters;
  NameDiff listeners;
  NameDiff routes;
};

// Turns what the stores hold as active into the immutable snapshot workers run with (main
// thread). An unchanged resource keeps its object across builds (a cluster keeps its
// ClusterConfig while neither it nor its hosts change), so workers keep the runtime state
// they hang on it, and the builder can tell what changed by identity (lastDiff).
//
// Incremental updates (issue 19) plug in here: publish lastDiff() with the snapshot so workers
// touch only the named entries; and, for 10,000 clusters, patch the previous snapshot's maps
// from the stores' ChangeSets instead of walking every store.
class SnapshotBuilder {
 public:
  config::SnapshotSharedPtr build(const ResourceStores& stores, const DnsHosts& dns_hosts);
  const SnapshotDiff& lastDiff() const { return diff_; }

 private:
  // A cluster as translated joined with its current hosts (EDS, DNS).
  struct Effective {
    upstream::ClusterConfigSharedPtr base;
    upstream::ClusterConfigSharedPtr effective;
  };
  const upstream::ClusterConfigSharedPtr& effective(const std::string& name,
                                                    const upstream::ClusterConfigSharedPtr& base,
                                                    const ResourceStores& stores,
                                                    const DnsHosts& dns_hosts);
  void diff(const config::Snapshot& next);

  absl::flat_hash_map<std::string, Effective> effective_;
  uint64_t version_ = 0;
  config::SnapshotSharedPtr previous_;
  SnapshotDiff diff_;
};

}  // namespace meshproxy::server
