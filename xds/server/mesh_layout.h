// Istio's sidecar layout, generated per node from the mesh file (mesh_spec.h):
//
//   virtualOutbound  0.0.0.0:15001  original_dst + use_original_dst: a captured outbound
//                    connection goes to the listener for its original port, else through
//                    PassthroughCluster (ORIGINAL_DST) to where the app was going.
//   0.0.0.0_<port>   (bind_to_port false) one filter chain per service on that port, chosen by
//                    destination IP (its addresses and endpoints); HTTP or TCP to
//                    outbound|<port>||<fqdn>, whose endpoints are reached over mTLS checking the
//                    service's SPIFFE ID. Unknown destinations: passthrough.
//   virtualInbound   0.0.0.0:15006  original_dst + tls_inspector: per app port a chain that
//                    terminates mTLS (STRICT; PERMISSIVE adds a plaintext chain) and forwards
//                    to inbound|<port>|| = 127.0.0.1:<port> from source 127.0.0.6, so the
//                    app's own outbound capture does not loop it back.
//
// A node's facts come from its metadata, as the injector sets them: NAMESPACE,
// SERVICE_ACCOUNT, POD_IP and APP_PORTS (comma-separated). Its inbound ports are APP_PORTS
// plus the target ports of the services that list POD_IP as an endpoint.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "xds/server/mesh_spec.h"
#include "xds/server/resource_source.h"

namespace meshproxy::xds_server {

struct NodeFacts {
  std::string pod_ip;
  std::vector<int> app_ports;
};

NodeFacts nodeFacts(const envoy::config::core::v3::Node& node);

// Listeners and clusters for one node; SPIFFE IDs are spiffe://<trust_domain>/ns/../sa/..
// (the trust domain of mesh-control's CA). Secrets `default` and `ROOTCA` are named over SDS.
absl::StatusOr<std::vector<Resource>> generateLayout(const MeshSpec& mesh, const NodeFacts& node,
                                                     const std::string& trust_domain);

// The generated layout as a resource source (below the directory's files, so a file can
// override a generated resource of the same name).
class MeshLayoutSource : public ResourceSource {
 public:
  MeshLayoutSource(std::shared_ptr<const MeshSpec> mesh, std::string trust_domain);

  ResourceMap resources(const envoy::config::core::v3::Node& node,
                        std::string_view type_url) const override;

 private:
  const std::shared_ptr<const MeshSpec> mesh_;
  const std::string trust_domain_;
  // Generation is deterministic; the cache only saves recomputing for each type and stream.
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::vector<ResourcePtr>> by_node_;
};

}  // namespace meshproxy::xds_server
