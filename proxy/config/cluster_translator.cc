#include "proxy/config/cluster_translator.h"

#include <google/protobuf/struct.pb.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "envoy/extensions/upstreams/http/v3/http_protocol_options.pb.h"
#include "proxy/config/address_translator.h"
#include "proxy/config/circuit_breakers_translator.h"
#include "proxy/config/cluster_socket_translator.h"
#include "proxy/config/endpoint_translator.h"
#include "proxy/config/health_check_translator.h"
#include "proxy/config/http2_options_translator.h"
#include "proxy/config/lb_policy_translator.h"
#include "proxy/config/outlier_detection_translator.h"
#include "proxy/config/transport_socket_translator.h"
#include "proxy/core/log.h"
#include "proxy/protobuf/common_supported_fields.h"
#include "proxy/protobuf/metadata.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::config {
namespace {

using envoy::config::cluster::v3::Cluster;

const protobuf::SupportedFields& clusterFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        {"envoy.config.cluster.v3.Cluster",
         {"name",
          "type",
          "connect_timeout",
          "lb_policy",
          "load_assignment",
          "per_connection_buffer_limit_bytes",
          "typed_extension_protocol_options",
          "dns_refresh_rate",
          "dns_lookup_family",
          "max_requests_per_connection",
          "common_http_protocol_options",
          "eds_cluster_config",
          "http2_protocol_options*",
          "transport_socket",
          "cleanup_interval",
          "original_dst_lb_config",
          "upstream_bind_config",
          "metadata",
          "transport_socket_matches",
          "respect_dns_ttl"}},
        {"envoy.config.cluster.v3.Cluster.TransportSocketMatch",
         {"name", "match", "transport_socket"}},
        {"envoy.config.core.v3.Metadata", {"filter_metadata", "typed_filter_metadata"}},
        {"envoy.config.cluster.v3.Cluster.OriginalDstLbConfig",
         {"use_http_header", "http_header_name", "upstream_port_override"}},
        {"envoy.config.core.v3.BindConfig", {"source_address"}},
        {"envoy.config.core.v3.SocketAddress", {"address", "port_value"}},
        {"envoy.config.core.v3.TransportSocket", {"name", "typed_config"}},
        // The load assignment is checked by the endpoint translator.
        {"envoy.config.cluster.v3.Cluster", {"load_assignment*"}},
        {"envoy.config.cluster.v3.Cluster.EdsClusterConfig", {"eds_config", "service_name"}},
        {"envoy.config.core.v3.ConfigSource",
         {"ads", "resource_api_version", "initial_fetch_timeout"}},
        {"envoy.config.core.v3.AggregatedConfigSource", {}},
    };
    f.merge(protobuf::commonSupportedFields());
    f.merge(lbPolicySupportedFields());
    f.merge(circuitBreakersSupportedFields());
    f.merge(outlierDetectionSupportedFields());
    f.merge(clusterSocketFields());
    f.merge(healthCheckSupportedFields());
    return f;
  }();
  return fields;
}

stats::Scope clusterScope(TranslationContext& context, const std::string& name) {
  return context.stats.scope("cluster", name);
}

std::shared_ptr<const upstream::ClusterStats> makeStats(const stats::Scope& s) {
  return std::make_shared<const upstream::ClusterStats>(
      upstream::ClusterStats{s.counter("upstream_cx_total"),
                             s.gauge("upstream_cx_active"),
                             s.counter("upstream_cx_connect_fail"),
                             s.counter("upstream_cx_connect_timeout"),
                             s.counter("upstream_cx_destroy"),
                             s.counter("upstream_cx_rx_bytes_total"),
                             s.counter("upstream_cx_tx_bytes_total"),
                             s.counter("upstream_cx_none_healthy"),
                             s.counter("upstream_cx_http1_total"),
                             s.counter("upstream_cx_http2_total"),
                             s.counter("upstream_cx_max_requests"),
                             s.counter("upstream_cx_idle_timeout"),
                             s.gauge("membership_total"),
                             s.gauge("membership_healthy"),
                             s.counter("upstream_rq_total"),
                             s.gauge("upstream_rq_active"),
                             s.counter("upstream_rq_pending_total"),
                             s.counter("upstream_rq_completed"),
                             s.counter("upstream_rq_timeout"),
                             s.counter("upstream_rq_rx_reset"),
                             s.counter("upstream_rq_tx_reset"),
                             s.responseCodeClassCounter("upstream_rq", 1),
                             s.responseCodeClassCounter("upstream_rq", 2),
                             s.responseCodeClassCounter("upstream_rq", 3),
                             s.responseCodeClassCounter("upstream_rq", 4),
                             s.responseCodeClassCounter("upstream_rq", 5),
                             s.histogram("upstream_rq_time"),
                             s.counter("update_success"),
                             s.counter("update_failure"),
                             s.counter("upstream_cx_overflow"),
                             s.counter("upstream_rq_pending_overflow"),
                             s.counter("upstream_rq_retry_overflow"),
                             s.counter("upstream_cx_pool_overflow")});
}

std::shared_ptr<const upstream::RetryStats> makeRetryStats(const stats::Scope& s) {
  return std::make_shared<const upstream::RetryStats>(upstream::RetryStats{
      s.counter("upstream_rq_retry"), s.counter("upstream_rq_retry_success"),
      s.counter("upstream_rq_retry_overflow"), s.counter("upstream_rq_retry_limit_exceeded"),
      s.counter("upstream_rq_retry_backoff_exponential"),
      s.counter("upstream_rq_retry_backoff_ratelimited"), s.counter("retry_or_shadow_abandoned"),
      s.counter("upstream_rq_per_try_timeout"), s.counter("upstream_rq_per_try_idle_timeout"),
      s.counter("upstream_rq_retry_keepalive_race")});
}

constexpr char kHttpProtocolOptionsKey[] = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

absl::Status translateHttpProtocolOptions(const Cluster& proto, upstream::ClusterConfig& config,
                                          const std::string& where) {
  using envoy::extensions::upstreams::http::v3::HttpProtocolOptions;
  static const protobuf::SupportedFields fields = {
      {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
       {"common_http_protocol_options", "explicit_http_config", "use_downstream_protocol_config"}},
      {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig",
       {"http_protocol_options", "http2_protocol_options*"}},
      {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions.UseDownstreamHttpConfig",
       {"http_protocol_options", "http2_protocol_options*"}},
      {"envoy.config.core.v3.HttpProtocolOptions", {"idle_timeout", "max_requests_per_connection"}},
      {"envoy.config.core.v3.Http1ProtocolOptions", {}},
  };
  for (const auto& [key, any] : proto.typed_extension_protocol_options()) {
    if (key != kHttpProtocolOptionsKey) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unsupported typed_extension_protocol_options key '", key, "'"));
    }
    auto options =
        protobuf::unpackAny<HttpProtocolOptions>(any, where + " " + kHttpProtocolOptionsKey);
    if (!options.ok()) return options.status();
    if (options->has_auto_config()) {
      // ALPN per connection needs a pool that picks the codec after the handshake.
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", kHttpProtocolOptionsKey,
                       ".auto_config is not implemented; use explicit_http_config or "
                       "use_downstream_protocol_config"));
    }
    if (auto s = fields.check(*options); !s.ok()) return protobuf::withContext(s, where);
    const std::string h2_where = where + " " + kHttpProtocolOptionsKey;
    if (options->has_explicit_http_config() &&
        options->explicit_http_config().has_http2_protocol_options()) {
      config.http2 = true;
      config.http_protocol = upstream::UpstreamHttpProtocol::kHttp2;
      if (auto s = translateHttp2ProtocolOptions(
              options->explicit_http_config().http2_protocol_options(), h2_where,
              config.http2_settings);
          !s.ok()) {
        return s;
      }
    }
    if (options->has_use_downstream_protocol_config()) {
      config.http_protocol = upstream::UpstreamHttpProtocol::kUseDownstream;
      const auto& downstream = options->use_downstream_protocol_config();
      if (downstream.has_http2_protocol_options()) {
        if (auto s = translateHttp2ProtocolOptions(downstream.http2_protocol_options(), h2_where,
                                                   config.http2_settings);
            !s.ok()) {
          return s;
        }
      }
    }
    const auto& common = options->common_http_protocol_options();
    if (common.has_idle_timeout())
      config.idle_timeout = protobuf::toMilliseconds(common.idle_timeout());
    if (common.has_max_requests_per_connection()) {
      config.max_requests_per_connection = common.max_requests_per_connection().value();
    }
  }
  if (proto.has_common_http_protocol_options()) {
    static const protobuf::SupportedFields legacy = {
        {"envoy.config.core.v3.HttpProtocolOptions",
         {"idle_timeout", "max_requests_per_connection"}}};
    if (auto s = legacy.check(proto.common_http_protocol_options()); !s.ok())
      return protobuf::withContext(s, where);
    const auto& common = proto.common_http_protocol_options();
    if (common.has_idle_timeout())
      config.idle_timeout = protobuf::toMilliseconds(common.idle_timeout());
    if (common.has_max_requests_per_connection()) {
      config.max_requests_per_connection = common.max_requests_per_connection().value();
    }
  }
  if (proto.has_http2_protocol_options()) {
    config.http2 = true;
    config.http_protocol = upstream::UpstreamHttpProtocol::kHttp2;
    if (auto s = translateHttp2ProtocolOptions(proto.http2_protocol_options(), where,
                                               config.http2_settings);
        !s.ok()) {
      return s;
    }
  }
  if (proto.has_max_requests_per_connection()) {
    config.max_requests_per_connection = proto.max_requests_per_connection().value();
  }
  return absl::OkStatus();
}

// An HTTP/2 cluster over TLS whose UpstreamTlsContext names no ALPN protocols offers "h2", as
// Envoy's HTTP/2 pool does (its ALPN fallback): TLS servers such as nginx speak HTTP/2 only
// when ALPN chose it.
envoy::config::core::v3::TransportSocket withHttp2AlpnFallback(
    const envoy::config::core::v3::TransportSocket& socket,
    upstream::UpstreamHttpProtocol protocol) {
  using envoy::extensions::transport_sockets::tls::v3::UpstreamTlsContext;
  envoy::config::core::v3::TransportSocket out = socket;
  if (protocol != upstream::UpstreamHttpProtocol::kHttp2 || !socket.has_typed_config() ||
      !socket.typed_config().Is<UpstreamTlsContext>()) {
    return out;
  }
  UpstreamTlsContext tls;
  if (!socket.typed_config().UnpackTo(&tls) || !tls.common_tls_context().alpn_protocols().empty()) {
    return out;
  }
  tls.mutable_common_tls_context()->add_alpn_protocols("h2");
  out.mutable_typed_config()->PackFrom(tls);
  return out;
}

}  // namespace

absl::StatusOr<upstream::ClusterConfigSharedPtr> translateCluster(const Cluster& input,
                                                                  TranslationContext& context) {
  std::string where = absl::StrCat("cluster '", input.name(), "'");
  if (input.name().empty()) return absl::InvalidArgumentError("cluster without a name");
  // Control planes may wrap typed configs in TypedStruct; the bootstrap loader unwraps its own,
  // CDS resources are unwrapped here.
  auto unwrapped = protobuf::withTypedStructsUnwrapped(input);
  if (!unwrapped.ok()) return protobuf::withContext(unwrapped.status(), where);
  const Cluster& proto = unwrapped->has_value() ? **unwrapped : input;
  if (auto s = clusterFields().check(proto); !s.ok()) return protobuf::withContext(s, where);

  auto config = std::make_shared<upstream::ClusterConfig>();
  config->name = proto.name();
  config->metadata = protobuf::keepMetadata(proto.metadata());
  if (auto s = translateClusterSocketOptions(proto, *config, where); !s.ok()) return s;
  switch (proto.type()) {
    case Cluster::STATIC:
      config->type = upstream::DiscoveryType::kStatic;
      break;
    case Cluster::STRICT_DNS:
      config->type = upstream::DiscoveryType::kStrictDns;
      break;
    case Cluster::LOGICAL_DNS:
      config->type = upstream::DiscoveryType::kLogicalDns;
      break;
    case Cluster::EDS: {
      config->type = upstream::DiscoveryType::kEds;
      const auto& eds = proto.eds_cluster_config();
      if (!eds.eds_config().has_ads()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": eds_cluster_config.eds_config must be ads (only ADS is supported)"));
      }
      config->eds_service_name = eds.service_name().empty() ? proto.name() : eds.service_name();
      if (eds.eds_config().has_initial_fetch_timeout()) {
        config->initial_fetch_timeout =
            protobuf::toMilliseconds(eds.eds_config().initial_fetch_timeout());
      }
      if (proto.has_load_assignment()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": an EDS cluster gets its endpoints from EDS, not load_assignment"));
      }
      break;
    }
    case Cluster::ORIGINAL_DST:
      config->type = upstream::DiscoveryType::kOriginalDst;
      if (proto.has_load_assignment()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where,
            ": an ORIGINAL_DST cluster takes its hosts from connections, not load_assignment"));
      }
      if (proto.lb_policy() != Cluster::CLUSTER_PROVIDED) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": an ORIGINAL_DST cluster needs lb_policy CLUSTER_PROVIDED"));
      }
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(where, ": unsupported cluster type ",
                                                     Cluster::DiscoveryType_Name(proto.type())));
  }
  if (proto.has_cleanup_interval() || proto.has_original_dst_lb_config()) {
    if (config->type != upstream::DiscoveryType::kOriginalDst) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": cleanup_interval/original_dst_lb_config need type ORIGINAL_DST"));
    }
    if (proto.has_cleanup_interval()) {
      config->cleanup_interval = protobuf::toMilliseconds(proto.cleanup_interval());
      if (config->cleanup_interval.count() <= 0) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": cleanup_interval must be > 0"));
      }
    }
    const auto& lb = proto.original_dst_lb_config();
    config->original_dst_use_http_header = lb.use_http_header();
    if (!lb.http_header_name().empty()) {
      config->original_dst_http_header = absl::AsciiStrToLower(lb.http_header_name());
    }
    if (lb.has_upstream_port_override()) {
      config->original_dst_port_override = lb.upstream_port_override().value();
      if (config->original_dst_port_override == 0 || config->original_dst_port_override > 65535) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": upstream_port_override must be in 1-65535"));
      }
    }
  }
  if (proto.has_upstream_bind_config()) {
    const auto& sa = proto.upstream_bind_config().source_address();
    auto source = network::Address::fromIpPort(sa.address(), sa.port_value());
    if (!source.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " upstream_bind_config.source_address: ", source.status().message()));
    }
    config->source_address = *source;
  }
  if (auto s = translateLbPolicy(proto, *config, where); !s.ok()) return s;
  if (proto.has_connect_timeout()) {
    config->connect_timeout = protobuf::toMilliseconds(proto.connect_timeout());
    if (config->connect_timeout.count() <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": connect_timeout must be > 0"));
    }
  }
  if (proto.has_per_connection_buffer_limit_bytes()) {
    config->per_connection_buffer_limit = proto.per_connection_buffer_limit_bytes().value();
  }
  if (auto s = translateHttpProtocolOptions(proto, *config, where); !s.ok()) return s;
  if (config->resolvesDns()) {
    config->respect_dns_ttl = proto.respect_dns_ttl();
    if (proto.has_dns_refresh_rate()) {
      config->dns_refresh_rate = protobuf::toMilliseconds(proto.dns_refresh_rate());
      if (config->dns_refresh_rate.count() < 1) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": dns_refresh_rate must be >= 1ms"));
      }
    }
    switch (proto.dns_lookup_family()) {
      case Cluster::V4_ONLY:
        config->dns_family = upstream::DnsFamily::kV4Only;
        break;
      case Cluster::V6_ONLY:
        config->dns_family = upstream::DnsFamily::kV6Only;
        break;
      case Cluster::V4_PREFERRED:
        config->dns_family = upstream::DnsFamily::kV4Preferred;
        break;
      case Cluster::AUTO:
        config->dns_family = upstream::DnsFamily::kAuto;
        break;
      case Cluster::ALL:
        config->dns_family = upstream::DnsFamily::kAll;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(where, ": unknown dns_lookup_family"));
    }
  } else if (proto.has_dns_refresh_rate() || proto.dns_lookup_family() != Cluster::AUTO ||
             proto.respect_dns_ttl()) {
    // Envoy reads these only for DNS cluster types and ignores them on the others (control
    // planes set dns_lookup_family on every cluster): the same here, said once in the log.
    log::debug(
        "{}: dns_refresh_rate/dns_lookup_family/respect_dns_ttl have no effect on a {} cluster (as "
        "in Envoy)",
        where, Cluster::DiscoveryType_Name(proto.type()));
  }
  const auto& cla = proto.load_assignment();
  if (auto s = checkLoadAssignmentFields(cla); !s.ok())
    return protobuf::withContext(s, where + " load_assignment");
  if (config->type == upstream::DiscoveryType::kLogicalDns &&
      (cla.endpoints_size() != 1 || cla.endpoints(0).lb_endpoints_size() != 1)) {
    // Envoy: "LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single
    // lb_endpoint".
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": a LOGICAL_DNS cluster needs exactly one endpoint in load_assignment"));
  }
  if (config->resolvesDns()) {
    // Resolved on the main thread; the hosts arrive with the first answer.
    for (int l = 0; l < cla.endpoints_size(); ++l) {
      for (int e = 0; e < cla.endpoints(l).lb_endpoints_size(); ++e) {
        const auto& lb_endpoint = cla.endpoints(l).lb_endpoints(e);
        const auto& sa = lb_endpoint.endpoint().address().socket_address();
        if (sa.address().empty() || sa.port_value() == 0 || sa.port_value() > 65535) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, " load_assignment.endpoints[", l, "].lb_endpoints[", e,
                           "]: STRICT_DNS needs address and port_value"));
        }
        uint32_t weight = lb_endpoint.has_load_balancing_weight()
                              ? lb_endpoint.load_balancing_weight().value()
                              : 1;
        const auto& hc = lb_endpoint.endpoint().health_check_config();
        config->dns_targets.push_back(
            {sa.address(),
             sa.port_value(),
             weight,
             // Envoy's hostnameForHealthChecks: the DNS name unless health_check_config names one.
             {hc.port_value(), hc.hostname().empty() ? sa.address() : hc.hostname()},
             protobuf::keepMetadata(lb_endpoint.metadata()),
             protobuf::keepMetadata(cla.endpoints(l).metadata())});
      }
    }
  } else if (config->type == upstream::DiscoveryType::kStatic) {
    auto hosts = translateLoadAssignment(cla, where + " load_assignment");
    if (!hosts.ok()) return hosts.status();
    config->hosts = std::move(*hosts);
  }
  if (proto.has_transport_socket()) {
    auto transport = translateTransportSocket(
        withHttp2AlpnFallback(proto.transport_socket(), config->http_protocol),
        TransportSide::kUpstream, clusterScope(context, config->stat_name), context,
        &config->secrets, where);
    if (!transport.ok()) return protobuf::withContext(transport.status(), where);
    config->transport_socket = std::move(*transport);
  }
  for (int i = 0; i < proto.transport_socket_matches_size(); ++i) {
    const auto& entry = proto.transport_socket_matches(i);
    const std::string match_where =
        absl::StrCat(where, " transport_socket_matches[", i, "] '", entry.name(), "'");
    upstream::TransportSocketMatch match;
    match.name = entry.name();
    match.labels = std::make_shared<const google::protobuf::Struct>(entry.match());
    if (entry.has_transport_socket()) {
      auto transport = translateTransportSocket(
          withHttp2AlpnFallback(entry.transport_socket(), config->http_protocol),
          TransportSide::kUpstream, clusterScope(context, config->stat_name), context,
          &config->secrets, where);
      if (!transport.ok()) return protobuf::withContext(transport.status(), match_where);
      match.factory = std::move(*transport);
    }
    config->transport_socket_matches.push_back(std::move(match));
  }
  if (auto s =
          translateHealthChecks(proto, clusterScope(context, config->stat_name), *config, where);
      !s.ok()) {
    return s;
  }
  config->stats = makeStats(clusterScope(context, config->stat_name));
  if (proto.has_circuit_breakers()) {
    if (auto s = translateCircuitBreakers(proto.circuit_breakers(), config->circuit_breakers);
        !s.ok()) {
      return protobuf::withContext(s, where);
    }
  }
  if (proto.has_outlier_detection()) {
    auto outlier = translateOutlierDetection(proto.outlier_detection());
    if (!outlier.ok()) return protobuf::withContext(outlier.status(), where);
    config->outlier_detection = std::move(*outlier);
  }
  config->retry_stats = makeRetryStats(clusterScope(context, config->stat_name));
  if (config->http_protocol != upstream::UpstreamHttpProtocol::kHttp11) {
    config->http2_stats = std::make_shared<const http::http2::Http2CodecStats>(
        http::http2::Http2CodecStats::createUpstream(clusterScope(context, config->stat_name)));
    config->http2_settings.stats = config->http2_stats.get();
  }
  config->resources = upstream::ClusterResources::forCluster(context.stats, config->name);
  config->resources->trackRemaining(config->circuit_breakers);
  return upstream::ClusterConfigSharedPtr(std::move(config));
}

const protobuf::SupportedFields& clusterSupportedFields() { return clusterFields(); }

}  // namespace meshproxy::config
