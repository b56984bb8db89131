#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proxy/network/transport_socket.h"

namespace google::protobuf {
class Struct;
}  // namespace google::protobuf
namespace envoy::config::core::v3 {
class Metadata;
}  // namespace envoy::config::core::v3

namespace meshproxy::upstream {

// The metadata namespace transport_socket_matches read (Envoy's ENVOY_TRANSPORT_SOCKET_MATCH).
inline constexpr char kTransportSocketMatchNamespace[] = "envoy.transport_socket_match";

// One Cluster.transport_socket_matches entry, translated.
struct TransportSocketMatch {
  std::string name;
  // `match`: every field must be present, with an equal value, in the endpoint's (or its
  // locality's) envoy.transport_socket_match metadata. Empty: matches every endpoint.
  std::shared_ptr<const google::protobuf::Struct> labels;
  // null: the raw transport (raw_buffer).
  network::TransportSocketFactorySharedPtr factory;
};

// Cluster.transport_socket_matches with Envoy's semantics (TransportSocketMatcherImpl's
// legacy matching): the first entry whose labels the endpoint's metadata matches; if none
// does, the first whose labels the locality's metadata matches; else the cluster's own
// transport_socket (`fallback`). Runs per new upstream connection (a few map lookups), never
// per request.
const network::TransportSocketFactory* resolveTransportSocket(
    const std::vector<TransportSocketMatch>& matches,
    const envoy::config::core::v3::Metadata* endpoint_metadata,
    const envoy::config::core::v3::Metadata* locality_metadata,
    const network::TransportSocketFactory* fallback);

}  // namespace meshproxy::upstream
