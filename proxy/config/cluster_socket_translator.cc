#include "proxy/config/cluster_socket_translator.h"

#include "absl/strings/str_cat.h"

namespace meshproxy::config {

absl::Status translateClusterSocketOptions(const envoy::config::cluster::v3::Cluster& proto,
                                           upstream::ClusterConfig& config,
                                           const std::string& where) {
  config.stat_name = proto.alt_stat_name().empty() ? proto.name() : proto.alt_stat_name();
  if (proto.has_upstream_connection_options()) {
    const auto& options = proto.upstream_connection_options();
    if (options.has_tcp_keepalive()) {
      const auto& k = options.tcp_keepalive();
      network::TcpKeepalive keepalive;
      if (k.has_keepalive_probes()) keepalive.probes = k.keepalive_probes().value();
      if (k.has_keepalive_time()) keepalive.time_s = k.keepalive_time().value();
      if (k.has_keepalive_interval()) keepalive.interval_s = k.keepalive_interval().value();
      // Linux's limits (tcp(7)): TCP_KEEPCNT <= 127, TCP_KEEPIDLE/TCP_KEEPINTVL <= 32767 s.
      if (keepalive.probes > 127 || keepalive.time_s > 32767 || keepalive.interval_s > 32767) {
        return absl::InvalidArgumentError(absl::StrCat(
            where,
            ": upstream_connection_options.tcp_keepalive: keepalive_probes must be <= 127 "
            "and keepalive_time, keepalive_interval <= 32767 (seconds)"));
      }
      config.tcp_keepalive = keepalive;
    }
  }
  return absl::OkStatus();
}

const protobuf::SupportedFields& clusterSocketFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.config.cluster.v3.Cluster", {"upstream_connection_options", "alt_stat_name"}},
      {"envoy.config.cluster.v3.UpstreamConnectionOptions", {"tcp_keepalive"}},
      {"envoy.config.core.v3.TcpKeepalive",
       {"keepalive_probes", "keepalive_time", "keepalive_interval"}},
  };
  return fields;
}

}  // namespace meshproxy::config
