#pragma once

#include <string_view>

namespace meshproxy::stats {

// Prometheus label names produced by Envoy's default tag extractors (Envoy's tag names
// "envoy.cluster_name" etc. with the dot sanitized), so dashboards written for Envoy work.
inline constexpr std::string_view kClusterNameTag = "envoy_cluster_name";
inline constexpr std::string_view kListenerAddressTag = "envoy_listener_address";
inline constexpr std::string_view kHttpConnManagerPrefixTag = "envoy_http_conn_manager_prefix";
inline constexpr std::string_view kTcpPrefixTag = "envoy_tcp_prefix";
inline constexpr std::string_view kUdpPrefixTag = "envoy_udp_prefix";
inline constexpr std::string_view kVirtualHostTag = "envoy_virtual_host";
inline constexpr std::string_view kVirtualClusterTag = "envoy_virtual_cluster";
inline constexpr std::string_view kRdsRouteConfigTag = "envoy_rds_route_config";
inline constexpr std::string_view kWorkerIdTag = "envoy_worker_id";
inline constexpr std::string_view kResponseCodeTag = "envoy_response_code";
inline constexpr std::string_view kResponseCodeClassTag = "envoy_response_code_class";

// The label a scope kind's value becomes ("cluster" -> envoy_cluster_name), or an empty view for
// kinds Envoy does not tag, whose value then stays part of the metric name.
std::string_view tagNameForKind(std::string_view kind);

}  // namespace meshproxy::stats
