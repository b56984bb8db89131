// Who is connected, and where each of their subscriptions stands: one entry per xDS stream
// (a node that reconnects, or two proxies sharing an id, show up as separate entries). Recently
// closed streams are kept for a while, marked disconnected, so a node that just dropped off is
// still visible in /nodes. Thread-safe: streams update it, the admin thread reads it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "xds/server/sotw_type_state.h"

namespace meshproxy::xds_server {

struct StreamInfo {
  uint64_t stream_id = 0;
  std::string node_id;
  std::string cluster;
  std::string metadata_json;  // node.metadata as JSON ("{}" when absent)
  std::string user_agent;     // node.user_agent_name and version, e.g. "envoy 1.28.0"
  std::string peer;           // gRPC peer, e.g. "ipv4:127.0.0.1:40122"
  // The gRPC method, e.g. "DeltaAggregatedResources": ADS or a type's own service, SotW or
  // delta.
  std::string method;
  absl::Time connected_since;
  std::optional<absl::Time> disconnected_at;
  std::map<std::string, TypeStatus> types;  // by type URL
};

class NodeRegistry {
 public:
  // How many closed streams /nodes keeps showing (oldest dropped first).
  static constexpr size_t kRecentDisconnected = 32;

  void connect(StreamInfo info);
  void updateType(uint64_t stream_id, const TypeStatus& status);
  void disconnect(uint64_t stream_id, absl::Time now);

  std::vector<StreamInfo> connected() const;             // by stream id
  std::vector<StreamInfo> recentlyDisconnected() const;  // most recent first
  size_t connectedCount() const;

 private:
  mutable absl::Mutex mu_;
  std::map<uint64_t, StreamInfo> connected_ ABSL_GUARDED_BY(mu_);
  std::deque<StreamInfo> disconnected_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshproxy::xds_server
