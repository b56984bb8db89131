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
//     - { port: 8080, protocol: http, target_port: 8080 }   # protocol http|tcp; target_port
//                                                           # defaults to port
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace meshproxy::xds_server {

enum class MtlsMode { kStrict, kPermissive, kDisable };

struct MeshServicePort {
  int port = 0;
  int target_port = 0;
  bool http = false;  // else raw TCP
};

struct MeshService {
  std::string name;
  std::string ns = "default";
  std::string service_account = "default";
  std::vector<std::string> addresses;  // normalized IP literals
  std::vector<std::string> endpoints;  // normalized IP literals
  std::vector<MeshServicePort> ports;

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
