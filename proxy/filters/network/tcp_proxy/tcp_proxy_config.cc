#include "proxy/filters/network/tcp_proxy/tcp_proxy_config.h"

#include "absl/strings/str_cat.h"
#include "envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.pb.h"
#include "proxy/accesslog/access_log_config.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/filters/network/tcp_proxy/tcp_proxy.h"
#include "proxy/filters/network/tcp_proxy/tcp_proxy_factory.h"

namespace meshproxy::filters::tcp_proxy {

using envoy::extensions::filters::network::tcp_proxy::v3::TcpProxy;

namespace {
const protobuf::SupportedFields& tcpProxyFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
       {"stat_prefix", "cluster", "idle_timeout", "access_log", "max_connect_attempts"}},
      // The access logger checks its own fields.
      {"envoy.config.accesslog.v3.AccessLog", {"name", "typed_config", "filter"}},
  };
  return fields;
}
}  // namespace

absl::StatusOr<std::shared_ptr<const TcpProxyConfig>> translateTcpProxy(const TcpProxy& proto,
                                                                        const stats::Scope& root) {
  if (auto s = tcpProxyFields().check(proto); !s.ok()) return protobuf::withContext(s, "tcp_proxy");
  if (proto.stat_prefix().empty()) {
    return absl::InvalidArgumentError("tcp_proxy: stat_prefix is required");
  }
  if (proto.cluster().empty()) {
    return absl::InvalidArgumentError("tcp_proxy: cluster is required (weighted_clusters is unsupported)");
  }
  auto config = std::make_shared<TcpProxyConfig>();
  config->stat_prefix = proto.stat_prefix();
  config->cluster = proto.cluster();
  config->cluster_slot = clusterSlots().intern(config->cluster);
  if (proto.has_idle_timeout()) config->idle_timeout = protobuf::toMilliseconds(proto.idle_timeout());
  if (proto.has_max_connect_attempts()) {
    if (proto.max_connect_attempts().value() < 1) {
      return absl::InvalidArgumentError("tcp_proxy: max_connect_attempts must be >= 1");
    }
    config->max_connect_attempts = proto.max_connect_attempts().value();
  }
  auto loggers = accesslog::createAccessLoggers(proto.access_log());
  if (!loggers.ok()) return protobuf::withContext(loggers.status(), "tcp_proxy access_log");
  config->access_logs = std::move(*loggers);
  stats::Scope s = root.scope("tcp", config->stat_prefix);
  config->stats = std::make_shared<const TcpProxyStats>(TcpProxyStats{
      s.counter("downstream_cx_total"), s.counter("downstream_cx_no_route"),
      s.counter("downstream_cx_rx_bytes_total"), s.counter("downstream_cx_tx_bytes_total"),
      s.counter("downstream_flow_control_paused_reading_total"),
      s.counter("downstream_flow_control_resumed_reading_total"), s.counter("idle_timeout"),
      s.counter("upstream_flush_total")});
  return std::shared_ptr<const TcpProxyConfig>(std::move(config));
}

absl::StatusOr<network::NetworkFilterFactory> createTcpProxyFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<TcpProxy>(typed_config, "tcp_proxy");
  if (!proto.ok()) return proto.status();
  auto config = translateTcpProxy(*proto, context.stats.rootScope());
  if (!config.ok()) return config.status();
  if (context.dependencies != nullptr) context.dependencies->clusters.push_back((*config)->cluster);
  return network::NetworkFilterFactory(
      [config = *config](network::FilterManager& manager) {
        manager.addFilter(std::make_unique<TcpProxyFilter>(config));
      });
}

const protobuf::SupportedFields& tcpProxySupportedFields() { return tcpProxyFields(); }

}  // namespace meshproxy::filters::tcp_proxy
