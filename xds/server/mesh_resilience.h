// Per-service circuit breakers and outlier detection in mesh.yaml (like Istio's
// DestinationRule connectionPool / outlierDetection), turned into the Envoy fields of every
// client sidecar's outbound cluster for that service:
//
//   services:
//   - name: reviews
//     ...
//     circuit_breakers:            # -> Cluster.circuit_breakers.thresholds[DEFAULT]
//       max_connections: 100
//       max_pending_requests: 50
//       max_requests: 200
//       max_retries: 3
//     outlier_detection:           # -> Cluster.outlier_detection
//       consecutive_5xx: 5
//       consecutive_gateway_failure: 3   # enforced (enforcing_consecutive_gateway_failure 100)
//       interval: 10s                    # durations: 500ms, 10s, 1m
//       base_ejection_time: 30s
//       max_ejection_time: 300s
//       max_ejection_percent: 50
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace YAML {
class Node;
}

namespace meshproxy::xds_server {

// The Cluster JSON fields (each followed by a comma, to go before "load_assignment") for a
// service's `circuit_breakers` and `outlier_detection` keys, or "" when it has neither.
// Errors name the field ("services[0].outlier_detection.interval: ...").
absl::StatusOr<std::string> meshResilienceClusterFields(const YAML::Node& service,
                                                        const std::string& where);

}  // namespace meshproxy::xds_server
