#pragma once

#include "absl/status/status.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/upstream/cluster_config.h"

namespace meshproxy::config {

// The cluster fields about its upstream sockets and its stats' name, kept apart from
// cluster_translator.cc: upstream_connection_options (TCP keepalive) and alt_stat_name.
absl::Status translateClusterSocketOptions(const envoy::config::cluster::v3::Cluster& proto,
                                           upstream::ClusterConfig& config,
                                           const std::string& where);

// Their fields, merged into the cluster's table.
const protobuf::SupportedFields& clusterSocketFields();

}  // namespace meshproxy::config
