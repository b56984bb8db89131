#pragma once

#include <string>

#include "absl/status/status.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/upstream/cluster_config.h"

namespace envoy::config::cluster::v3 {
class Cluster;
}

namespace meshproxy::config {

// A cluster's load balancing: lb_policy with its *_lb_config, or load_balancing_policy (the
// typed envoy.extensions.load_balancing_policies.* forms, the first one meshproxy knows
// wins, as in Envoy), and common_lb_config. Fills config.lb_policy and config.lb; every field
// that is not implemented is an error naming it. Needs config.type set (CLUSTER_PROVIDED is
// for ORIGINAL_DST only).
absl::Status translateLbPolicy(const envoy::config::cluster::v3::Cluster& proto,
                               upstream::ClusterConfig& config, const std::string& where);

// The Cluster fields (and their messages) that translateLbPolicy reads; merged into the
// cluster's table.
const protobuf::SupportedFields& lbPolicySupportedFields();

}  // namespace meshproxy::config
