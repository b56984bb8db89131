#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace YAML {
class Node;
}

namespace meshproxy::xds_server {

// A service's active health check in mesh.yaml (services[].health_check). Every sidecar's
// outbound cluster for the service checks each endpoint: HTTP GET `path` on http ports
// (when a path is given), a TCP connect on the others.
//
//   health_check:
//     path: /health            # HTTP check path; without it every port gets a TCP check
//     interval: 5s             # between checks (default 5s)
//     timeout: 1s              # per check (default 1s)
//     unhealthy_threshold: 2   # failures in a row that take an endpoint out (default 2)
//     healthy_threshold: 2     # passes in a row that bring it back (default 2)
//     no_traffic_interval: 60s # interval while the sidecar never called the service (default 60s)
struct MeshHealthCheck {
  std::string path;
  int64_t interval_ms = 5000;
  int64_t timeout_ms = 1000;
  int unhealthy_threshold = 2;
  int healthy_threshold = 2;
  int64_t no_traffic_interval_ms = 60000;
};

// Errors (InvalidArgument) name the field under `where` ("services[0].health_check.interval").
absl::StatusOr<MeshHealthCheck> parseMeshHealthCheck(const YAML::Node& node,
                                                     const std::string& where);

// The Cluster fields (JSON, ending with a comma, to splice into a cluster object) for a port
// of the service: "health_checks":[...].
std::string healthChecksJson(const MeshHealthCheck& check, bool http_port);

}  // namespace meshproxy::xds_server
