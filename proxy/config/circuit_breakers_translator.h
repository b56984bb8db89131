#pragma once

#include "absl/status/status.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/upstream/circuit_breakers.h"

namespace envoy::config::cluster::v3 {
class CircuitBreakers;
}

namespace meshproxy::config {

// Cluster.circuit_breakers -> thresholds by priority (Envoy's defaults for a priority the
// config does not name). Errors name the field.
absl::Status translateCircuitBreakers(const envoy::config::cluster::v3::CircuitBreakers& proto,
                                      upstream::CircuitBreakers& out);

// The Cluster.circuit_breakers fields meshproxy implements (merged into the cluster's table).
const protobuf::SupportedFields& circuitBreakersSupportedFields();

}  // namespace meshproxy::config
