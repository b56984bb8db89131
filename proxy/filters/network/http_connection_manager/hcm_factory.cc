#include "proxy/filters/network/http_connection_manager/hcm_factory.h"

#include "absl/strings/str_cat.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "proxy/accesslog/access_log_config.h"
#include "proxy/config/extension_registry.h"
#include "proxy/config/http2_options_translator.h"
#include "proxy/filters/network/http_connection_manager/hcm_tracing.h"
#include "proxy/http/conn_manager.h"
#include "proxy/istio/istio_stats_observer.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/protobuf/typed_config.h"
#include "proxy/route/route_table.h"
#include "proxy/stats/scope.h"

namespace meshproxy::filters::hcm {

using envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;
using envoy::extensions::filters::network::http_connection_manager::v3::HttpFilter;

namespace {

const protobuf::SupportedFields& hcmFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
       {"stat_prefix",
        "codec_type",
        "route_config*",
        "rds",
        "http_filters",
        "common_http_protocol_options",
        "http2_protocol_options*",
        "stream_idle_timeout", "request_timeout", "request_headers_timeout", "max_request_headers_kb",
        "use_remote_address", "xff_num_trusted_hops", "generate_request_id",
        "preserve_external_request_id", "access_log", "server_name", "server_header_transformation",
        "normalize_path", "merge_slashes", "upgrade_configs", "drain_timeout",
        "forward_client_cert_details", "set_current_client_cert_details", "tracing*"}},
      {"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager."
       "SetCurrentClientCertDetails",
       {"subject", "cert", "chain", "dns", "uri"}},
      {"envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter",
       {"name", "typed_config", "is_optional"}},
      {"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager."
       "UpgradeConfig",
       {"upgrade_type", "enabled"}},
      {"envoy.config.core.v3.HttpProtocolOptions",
       {"idle_timeout", "max_headers_count", "headers_with_underscores_action",
        "max_connection_duration", "max_stream_duration"}},
      {"envoy.extensions.filters.network.http_connection_manager.v3.Rds",
       {"config_source", "route_config_name"}},
      {"envoy.config.core.v3.ConfigSource",
       {"ads", "resource_api_version", "initial_fetch_timeout"}},
      {"envoy.config.core.v3.AggregatedConfigSource", {}},
      {"envoy.config.accesslog.v3.AccessLog", {"name", "typed_config", "filter"}},
  };
  return fields;
}

std::shared_ptr<const http::ConnManagerStats> makeStats(const stats::Scope& s) {
  return std::make_shared<const http::ConnManagerStats>(
      http::ConnManagerStats{s.counter("downstream_cx_total"),
                             s.gauge("downstream_cx_active"),
                             s.counter("downstream_cx_destroy"),
                             s.counter("downstream_cx_protocol_error"),
                             s.counter("downstream_cx_idle_timeout"),
                             s.counter("downstream_cx_max_duration_reached"),
                             s.counter("downstream_cx_rx_bytes_total"),
                             s.counter("downstream_cx_tx_bytes_total"),
                             s.counter("downstream_rq_total"),
                             s.gauge("downstream_rq_active"),
                             s.counter("downstream_rq_completed"),
                             s.responseCodeClassCounter("downstream_rq", 1),
                             s.responseCodeClassCounter("downstream_rq", 2),
                             s.responseCodeClassCounter("downstream_rq", 3),
                             s.responseCodeClassCounter("downstream_rq", 4),
                             s.responseCodeClassCounter("downstream_rq", 5),
                             s.counter("downstream_rq_rx_reset"),
                             s.counter("downstream_rq_tx_reset"),
                             s.counter("downstream_rq_timeout"),
                             s.counter("downstream_rq_header_timeout"),
                             s.counter("downstream_rq_idle_timeout"),
                             s.counter("downstream_rq_max_duration_reached"),
                             s.counter("downstream_rq_too_large"),
                             s.counter("downstream_rq_ws_on_non_ws_route"),
                             s.counter("no_route"),
                             s.histogram("downstream_rq_time"),
                             s.histogram("downstream_cx_length_ms")});
}

constexpr char kRouterType[] = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

// The filter list as Envoy reads it: the router may be named without a typed_config (Envoy
// resolves an extension by name when typed_config is absent, unless the runtime guard
// no_extension_lookup_by_name is set). Other filters carry options and need their typed_config.
google::protobuf::RepeatedPtrField<HttpFilter> withEnvoyFilterDefaults(
    const google::protobuf::RepeatedPtrField<HttpFilter>& configured) {
  google::protobuf::RepeatedPtrField<HttpFilter> filters = configured;
  for (auto& f : filters) {
    if (!f.has_typed_config() && f.name() == "envoy.filters.http.router") {
      f.mutable_typed_config()->set_type_url(kRouterType);
    }
  }
  return filters;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const http::ConnManagerConfig>> translateHttpConnectionManager(
    const HttpConnectionManager& proto, config::TranslationContext& context) {
  if (auto s = hcmFields().check(proto); !s.ok())
    return protobuf::withContext(s, "http_connection_manager");
  if (proto.stat_prefix().empty()) {
    return absl::InvalidArgumentError("http_connection_manager: stat_prefix is required");
  }
  auto c = std::make_shared<http::ConnManagerConfig>();
  c->stat_prefix = proto.stat_prefix();
  switch (proto.codec_type()) {
    case HttpConnectionManager::AUTO:
      c->codec_type = http::CodecType::kAuto;
      break;
    case HttpConnectionManager::HTTP1:
      c->codec_type = http::CodecType::kHttp1;
      break;
    case HttpConnectionManager::HTTP2:
      c->codec_type = http::CodecType::kHttp2;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "http_connection_manager: unsupported codec_type ",
          HttpConnectionManager::CodecType_Name(proto.codec_type()), " (HTTP/3 is not built)"));
  }
  if (proto.has_http2_protocol_options()) {
    if (auto s = config::translateHttp2ProtocolOptions(
            proto.http2_protocol_options(), "http_connection_manager", c->http2_settings);
        !s.ok()) {
      return s;
    }
  }
  if (proto.has_rds()) {
    const auto& rds = proto.rds();
    if (!rds.config_source().has_ads()) {
      return absl::InvalidArgumentError(
          "http_connection_manager rds: only config_source.ads is supported");
    }
    if (rds.route_config_name().empty()) {
      return absl::InvalidArgumentError(
          "http_connection_manager rds: route_config_name is required");
    }
    c->rds_route_config_name = rds.route_config_name();
    c->rds_route_config_slot = routeConfigSlots().intern(c->rds_route_config_name);
    if (context.dependencies != nullptr) {
      context.dependencies->rds_route_configs.push_back(c->rds_route_config_name);
    }
  } else if (proto.has_route_config()) {
    auto table = route::RouteTable::create(
        proto.route_config(), {.find_per_filter_config = config::perRouteFilterConfigLookup()});
    if (!table.ok())
      return protobuf::withContext(table.status(), "http_connection_manager route_config");
    c->route_config = *table;
    if (context.dependencies != nullptr) {
      for (const auto& name : (*table)->clusterNames())
        context.dependencies->clusters.push_back(name);
    }
  } else {
    return absl::InvalidArgumentError("http_connection_manager: route_config or rds is required");
  }

  if (proto.http_filters_size() == 0) {
    // Envoy accepts an empty list but adds no router either (FilterChainHelper::processFilters
    // builds only what is listed), so no request would ever be routed: refuse it up front.
    return absl::InvalidArgumentError(
        "http_connection_manager: http_filters is empty (Envoy adds no router): add "
        "envoy.filters.http.router as the last filter");
  }
  auto filters = withEnvoyFilterDefaults(proto.http_filters());
  // HTTP filters name their stats under the connection manager's prefix; restored after.
  const std::string_view outer_http_stat_prefix = context.http_stat_prefix;
  context.http_stat_prefix = c->stat_prefix;
  absl::flat_hash_map<std::string, std::shared_ptr<void>> chain_shared;
  auto* const outer_chain_shared = context.http_chain_shared;
  context.http_chain_shared = &chain_shared;
  struct RestorePrefix {
    config::TranslationContext& context;
    std::string_view prefix;
    absl::flat_hash_map<std::string, std::shared_ptr<void>>* chain_shared;
    ~RestorePrefix() {
      context.http_stat_prefix = prefix;
      context.http_chain_shared = chain_shared;
    }
  } restore_prefix{context, outer_http_stat_prefix, outer_chain_shared};
  for (int i = 0; i < filters.size(); ++i) {
    const auto& f = filters[i];
    std::string where =
        absl::StrCat("http_connection_manager http_filters[", i, "] '", f.name(), "'");
    if (!f.has_typed_config()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": typed_config is required"));
    }
    if (protobuf::extensionTypeUrl(f.typed_config()) == istio::kIstioStatsTypeUrl) {
      // Native Istio metrics: an observer of finished requests, not a filter on the stream.
      if (context.traffic_direction != 1 && context.traffic_direction != 2) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": the listener needs traffic_direction INBOUND or OUTBOUND (the reporter)"));
      }
      auto observer = istio::translateIstioStats(f.typed_config(), context.traffic_direction == 1,
                                                 context.node_metadata, context.stats);
      if (!observer.ok()) return protobuf::withContext(observer.status(), where);
      c->stream_observers.push_back(std::move(*observer));
      continue;
    }
    const auto* translator = config::findHttpFilter(f.typed_config().type_url());
    if (translator == nullptr) {
      if (f.is_optional()) continue;  // Envoy's rule: an unknown optional filter is skipped.
      return protobuf::withContext(protobuf::unsupportedExtension(f.name(), f.typed_config()),
                                   where);
    }
    context.http_filter_name = f.name();
    auto factory = (*translator)(f.typed_config(), context);
    context.http_filter_name = {};
    if (!factory.ok()) return protobuf::withContext(factory.status(), where);
    c->filter_factories.push_back({f.name(), std::move(*factory)});
  }
  if (filters[filters.size() - 1].typed_config().type_url() != kRouterType) {
    return absl::InvalidArgumentError(
        "http_connection_manager: the last http filter must be the router");
  }

  const auto& common = proto.common_http_protocol_options();
  if (common.has_idle_timeout()) c->idle_timeout = protobuf::toMilliseconds(common.idle_timeout());
  if (common.has_max_headers_count()) c->max_headers_count = common.max_headers_count().value();
  switch (common.headers_with_underscores_action()) {
    case envoy::config::core::v3::HttpProtocolOptions::ALLOW:
      c->headers_with_underscores_action = http::HeadersWithUnderscoresAction::kAllow;
      break;
    case envoy::config::core::v3::HttpProtocolOptions::REJECT_REQUEST:
      c->headers_with_underscores_action = http::HeadersWithUnderscoresAction::kRejectRequest;
      break;
    case envoy::config::core::v3::HttpProtocolOptions::DROP_HEADER:
      c->headers_with_underscores_action = http::HeadersWithUnderscoresAction::kDropHeader;
      break;
    default:
      return absl::InvalidArgumentError(
          "http_connection_manager common_http_protocol_options: unknown "
          "headers_with_underscores_action");
  }
  if (common.has_max_connection_duration()) {
    c->max_connection_duration = protobuf::toMilliseconds(common.max_connection_duration());
  }
  if (common.has_max_stream_duration()) {
    c->max_stream_duration = protobuf::toMilliseconds(common.max_stream_duration());
  }
  if (proto.has_stream_idle_timeout())
    c->stream_idle_timeout = protobuf::toMilliseconds(proto.stream_idle_timeout());
  if (proto.has_request_timeout())
    c->request_timeout = protobuf::toMilliseconds(proto.request_timeout());
  if (proto.has_request_headers_timeout()) {
    c->request_headers_timeout = protobuf::toMilliseconds(proto.request_headers_timeout());
  }
  if (proto.has_drain_timeout()) c->drain_timeout = protobuf::toMilliseconds(proto.drain_timeout());
  if (proto.has_max_request_headers_kb()) {
    c->max_request_headers_kb = proto.max_request_headers_kb().value();
    if (c->max_request_headers_kb == 0 || c->max_request_headers_kb > 8192) {
      return absl::InvalidArgumentError(
          "http_connection_manager: max_request_headers_kb must be 1..8192");
    }
  }
  if (proto.has_use_remote_address()) c->use_remote_address = proto.use_remote_address().value();
  c->xff_num_trusted_hops = proto.xff_num_trusted_hops();
  if (proto.has_generate_request_id()) c->generate_request_id = proto.generate_request_id().value();
  c->preserve_external_request_id = proto.preserve_external_request_id();
  if (!proto.server_name().empty()) c->server_name = proto.server_name();
  switch (proto.server_header_transformation()) {
    case HttpConnectionManager::OVERWRITE:
      c->server_header_transformation = http::ServerHeaderTransformation::kOverwrite;
      break;
    case HttpConnectionManager::APPEND_IF_ABSENT:
      c->server_header_transformation = http::ServerHeaderTransformation::kAppendIfAbsent;
      break;
    case HttpConnectionManager::PASS_THROUGH:
      c->server_header_transformation = http::ServerHeaderTransformation::kPassThrough;
      break;
    default:
      return absl::InvalidArgumentError(
          "http_connection_manager: unknown server_header_transformation");
  }
  using http::ForwardClientCert;
  switch (proto.forward_client_cert_details()) {
    case HttpConnectionManager::SANITIZE:
      c->forward_client_cert = ForwardClientCert::kSanitize;
      break;
    case HttpConnectionManager::FORWARD_ONLY:
      c->forward_client_cert = ForwardClientCert::kForwardOnly;
      break;
    case HttpConnectionManager::APPEND_FORWARD:
      c->forward_client_cert = ForwardClientCert::kAppendForward;
      break;
    case HttpConnectionManager::SANITIZE_SET:
      c->forward_client_cert = ForwardClientCert::kSanitizeSet;
      break;
    case HttpConnectionManager::ALWAYS_FORWARD_ONLY:
      c->forward_client_cert = ForwardClientCert::kAlwaysForwardOnly;
      break;
    default:
      return absl::InvalidArgumentError(
          "http_connection_manager: unknown forward_client_cert_details");
  }
  if (proto.has_set_current_client_cert_details()) {
    const auto& d = proto.set_current_client_cert_details();
    c->client_cert_details = {.subject = d.has_subject() && d.subject().value(),
                              .cert = d.cert(),
                              .chain = d.chain(),
                              .uri = d.uri(),
                              .dns = d.dns()};
  }
  if (proto.has_normalize_path()) c->normalize_path = proto.normalize_path().value();
  c->merge_slashes = proto.merge_slashes();
  for (const auto& u : proto.upgrade_configs()) {
    if (u.has_enabled() && !u.enabled().value()) continue;
    std::string type = u.upgrade_type();
    http::toLowerAscii(type);
    c->upgrade_types.push_back(type);
  }
  auto loggers = accesslog::createAccessLoggers(proto.access_log());
  if (!loggers.ok())
    return protobuf::withContext(loggers.status(), "http_connection_manager access_log");
  c->access_logs = std::move(*loggers);
  if (proto.has_tracing()) {
    auto tracer = translateHcmTracer(proto.tracing(), context);
    if (!tracer.ok()) return protobuf::withContext(tracer.status(), "http_connection_manager tracing");
    c->tracer = std::move(*tracer);
  }
  c->stats = makeStats(context.stats.scope("http", c->stat_prefix));
  c->http2_stats = std::make_shared<const http::http2::Http2CodecStats>(
      http::http2::Http2CodecStats::create(context.stats.scope("http", c->stat_prefix)));
  c->http2_settings.stats = c->http2_stats.get();
  const stats::Scope http1 = context.stats.rootScope().scope("http1");
  c->http1_stats = std::make_shared<const http::http1::Http1CodecStats>(
      http::http1::Http1CodecStats{http1.counter("dropped_headers_with_underscores"),
                                   http1.counter("requests_rejected_with_underscores_in_headers")});
  return std::shared_ptr<const http::ConnManagerConfig>(std::move(c));
}

absl::StatusOr<network::NetworkFilterFactory> createHttpConnectionManagerFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<HttpConnectionManager>(typed_config, "http_connection_manager");
  if (!proto.ok()) return proto.status();
  auto config = translateHttpConnectionManager(*proto, context);
  if (!config.ok()) return config.status();
  return network::NetworkFilterFactory([config = *config](network::FilterManager& manager) {
    manager.addFilter(std::make_unique<http::ConnectionManager>(config));
  });
}

const protobuf::SupportedFields& hcmSupportedFields() { return hcmFields(); }

}  // namespace meshproxy::filters::hcm
