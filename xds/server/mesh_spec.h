// The high-level mesh file, DIR/mesh.yaml: which services exist, where their pods are, and
// the mTLS mode. mesh-control turns it into each sidecar's Istio-style listeners and
// clusters (mesh_layout.h), so that a mesh is described in a few lines instead of the
// Envoy resources of every node.
//
//   mtls: STRICT            # STRICT (default), PERMISSIVE or DISABLE
//   headers_with_underscores_action: DROP_HEADER   # (default) or REJECT_REQUEST, ALLOW
//   services:
//   - name: reviews
//     namespace: default    # default "default"
//     service_account: reviews   # the identity its pods present (default "default")
//     addresses: [10.96.0.10]    # virtual IPs clients may call (optional)
//     endpoints: [10.200.0.2]    # pod IPs
//     ports:
//     - { port: 8080, protocol: http, target_port: 8080 }   # protocol http|http2|grpc|tcp;
//                                                           # target_port defaults to port
//     canary:                      # optional, http ports only: a second version of the service
//       endpoints: [10.200.0.3]    # its pod IPs
//       weight: 10                 # percent of the traffic (1-99) the canary gets
//       sticky_header: x-user-id   # optional: split by this header's value (a user id) so that
//                                  # a user sees one version on every request and every sidecar
//     circuit_breakers: {...}    # optional, see mesh_resilience.h
//     outlier_detection: {...}   # optional, see mesh_resilience.h
//     # HTTP ports only; rendered into the callers' outbound route (Envoy's RouteAction):
//     timeout: 3s           # route timeout (Envoy's default 15s); "0s" disables it
//     retries:              # retry_policy, with Istio's defaults
//       attempts: 2         # num_retries (default 2)
//       retry_on: "5xx,reset"    # default "connect-failure,refused-stream,unavailable,cancelled,
//                                #          retriable-status-codes" (Istio's)
//       per_try_timeout: 0.5s    # optional
//       retriable_status_codes: [503]   # optional
//     health_check: { path: /health, interval: 5s }         # optional: mesh_health_check.h
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "xds/server/mesh_health_check.h"

namespace meshproxy::xds_server {

enum class MtlsMode { kStrict, kPermissive, kDisable };

struct MeshServicePort {
  int port = 0;
  int target_port = 0;
  bool http = false;  // else raw TCP
  // protocol grpc or http2: HTTP/2 to the app (h2c) and between sidecars (ALPN h2 over mTLS).
  bool http2 = false;
};

// A canary version of a service: weighted_clusters between the stable endpoints and these.
struct MeshCanary {
  std::vector<std::string> endpoints;  // normalized IP literals
  uint32_t weight = 0;                 // percent, 1-99
  std::string sticky_header;           // lower case; "" = split per request
};

// A service's retry policy for its callers (Envoy's RetryPolicy, rendered with Istio's
// previous_hosts predicate and host_selection_retry_max_attempts 5).
struct MeshRetries {
  int attempts = 2;
  std::string retry_on =
      "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
  std::string per_try_timeout;  // Envoy JSON duration ("0.5s"); empty: none
  std::vector<int> retriable_status_codes;
};

struct MeshService {
  std::string name;
  std::string ns = "default";
  std::string service_account = "default";
  std::vector<std::string> addresses;  // normalized IP literals
  std::vector<std::string> endpoints;  // normalized IP literals
  std::vector<MeshServicePort> ports;
  std::optional<MeshCanary> canary;
  // circuit_breakers / outlier_detection (mesh_resilience.h) as Cluster JSON fields for the
  // clients' outbound clusters of this service; "" for none.
  std::string outbound_cluster_fields;
  std::string timeout;  // Envoy JSON duration ("3s"); empty: Envoy's default
  std::optional<MeshRetries> retries;
  // Active health checks of the service's endpoints, by every sidecar that calls it.
  std::optional<MeshHealthCheck> health_check;

  std::string fqdn() const { return name + "." + ns + ".svc.cluster.local"; }
};

struct MeshSpec {
  MtlsMode mtls = MtlsMode::kStrict;
  // Every generated HttpConnectionManager's common_http_protocol_options
  // .headers_with_underscores_action, as Envoy spells it. DROP_HEADER by default (Envoy's own
  // default is ALLOW): a `Transfer_Encoding` or `X_Auth_User` look-alike never reaches an app
  // whose framework maps '_' to '-', and requests with valid names that contain '_' still go
  // through (README "Header names with underscores" says why not REJECT_REQUEST).
  std::string headers_with_underscores_action = "DROP_HEADER";
  std::vector<MeshService> services;
};

// Errors (InvalidArgument) name the field: "services[1].ports[0].protocol: ...". Unknown keys
// are errors too, so a typo does not silently change the mesh.
absl::StatusOr<MeshSpec> parseMeshSpec(std::string_view yaml_text);

}  // namespace meshproxy::xds_server
