#pragma once

#include <string>

#include "absl/status/status.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/stats/scope.h"
#include "proxy/upstream/cluster_config.h"

namespace envoy::config::cluster::v3 {
class Cluster;
}

namespace meshproxy::config {

// Cluster.health_checks (HTTP, TCP, gRPC; every field implemented or rejected by name) and
// ignore_health_on_host_removal into `config`, with the cluster's health_check.* stats from
// `cluster_scope`. Errors start with `where`.
absl::Status translateHealthChecks(const envoy::config::cluster::v3::Cluster& proto,
                                   const stats::Scope& cluster_scope,
                                   upstream::ClusterConfig& config, const std::string& where);

// The HealthCheck fields meshproxy implements (merged into the cluster's table).
const protobuf::SupportedFields& healthCheckSupportedFields();

}  // namespace meshproxy::config
