// The high-level mesh file, DIR/mesh.yaml: which services exist, where their pods are, and
// the mTLS mode. mesh-control turns it into each sidecar's Istio-style listeners and
// clusters (mesh_layout.h), so that a mesh is described in a few lines instead of the
// Envoy resources of every node.
//
//   mtls: STRICT            # STRICT (default), PERMISSIVE or DISABLE
//   services:
//   - name: reviews
//     namespace: default    # default "default"
//     service_account: reviews   # the identity its pods present (default "default")
//     addresses: [10.96.0.10]    # virtual IPs clients may call (optional)
//     endpoints: [10.200.0.2]    # pod IPs
//     ports:
//     - { port: 8080, protocol: http, target_port: 8080 }   # protocol http|tcp; target_port
//                                                           # defaults to port
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
};

struct MeshService {
  std::string name;
  std::string ns = "default";
  std::string service_account = "default";
  std::vector<std::string> addresses;  // normalized IP literals
  std::vector<std::string> endpoints;  // normalized IP literals
  std::vector<MeshServicePort> ports;
  // Active health checks of the service's endpoints, by every sidecar that calls it.
  std::optional<MeshHealthCheck> health_check;

  std::string fqdn() const { return name + "." + ns + ".svc.cluster.local"; }
};

struct MeshSpec {
  MtlsMode mtls = MtlsMode::kStrict;
  std::vector<MeshService> services;
};

// Errors (InvalidArgument) name the field: "services[1].ports[0].protocol: ...". Unknown keys
// are errors too, so a typo does not silently change the mesh.
absl::StatusOr<MeshSpec> parseMeshSpec(std::string_view yaml_text);

}  // namespace meshproxy::xds_server
