#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/accesslog/access_log.h"
#include "proxy/accesslog/stream_observer.h"
#include "proxy/core/name_slots.h"
#include "proxy/http/filter.h"
#include "proxy/http/forwarded_client_cert.h"
#include "proxy/http/http2/codec_stats.h"
#include "proxy/http/http2/settings.h"
#include "proxy/http/header_validation.h"
#include "proxy/http/http1/settings.h"
#include "proxy/http/route_config.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"
#include "proxy/stats/histogram.h"
#include "proxy/tracing/http_tracer.h"

namespace meshproxy::http {

// http.<stat_prefix>.* as Envoy names them.
struct ConnManagerStats {
  stats::Counter& downstream_cx_total;
  stats::Gauge& downstream_cx_active;
  stats::Counter& downstream_cx_destroy;
  stats::Counter& downstream_cx_protocol_error;
  stats::Counter& downstream_cx_idle_timeout;
  stats::Counter& downstream_cx_max_duration_reached;
  stats::Counter& downstream_cx_rx_bytes_total;
  stats::Counter& downstream_cx_tx_bytes_total;
  stats::Counter& downstream_rq_total;
  stats::Gauge& downstream_rq_active;
  stats::Counter& downstream_rq_completed;
  stats::Counter& downstream_rq_1xx;
  stats::Counter& downstream_rq_2xx;
  stats::Counter& downstream_rq_3xx;
  stats::Counter& downstream_rq_4xx;
  stats::Counter& downstream_rq_5xx;
  stats::Counter& downstream_rq_rx_reset;
  stats::Counter& downstream_rq_tx_reset;
  stats::Counter& downstream_rq_timeout;
  stats::Counter& downstream_rq_header_timeout;
  stats::Counter& downstream_rq_idle_timeout;
  stats::Counter& downstream_rq_max_duration_reached;
  stats::Counter& downstream_rq_too_large;
  stats::Counter& downstream_rq_ws_on_non_ws_route;
  stats::Counter& no_route;
  stats::Histogram& downstream_rq_time;
  stats::Histogram& downstream_cx_length_ms;
};

// HttpConnectionManager.codec_type. kAuto: HTTP/2 when TLS negotiated ALPN "h2", or (no
// ALPN) when the connection starts with the HTTP/2 client preface (h2c prior knowledge);
// HTTP/1.1 otherwise.
enum class CodecType { kAuto, kHttp1, kHttp2 };

enum class ServerHeaderTransformation { kOverwrite, kAppendIfAbsent, kPassThrough };

// An HttpConnectionManager after translation: shared, immutable.
struct ConnManagerConfig {
  std::string stat_prefix;
  // Inline route_config, or else the RDS name to look up in the worker's snapshot.
  RouteConfigSharedPtr route_config;
  std::string rds_route_config_name;
  uint32_t rds_route_config_slot = NameSlots::kNone;  // routeConfigSlots().intern(name)
  // The HTTP filters in chain order, each with its configured name (HttpFilter.name), which
  // keys its typed_per_filter_config.
  struct HttpFilter {
    std::string name;
    HttpFilterFactory factory;
  };
  std::vector<HttpFilter> filter_factories;

  CodecType codec_type = CodecType::kAuto;
  // http2_protocol_options (the header limits and the loop are filled in per connection).
  http2::Http2Settings http2_settings;  // .stats points into http2_stats
  std::shared_ptr<const http2::Http2CodecStats> http2_stats;

  uint32_t max_request_headers_kb = 60;
  uint32_t max_headers_count = 100;
  // common_http_protocol_options.headers_with_underscores_action.
  HeadersWithUnderscoresAction headers_with_underscores_action =
      HeadersWithUnderscoresAction::kAllow;
  // 0 disables each timeout.
  std::chrono::milliseconds idle_timeout{std::chrono::hours(1)};
  std::chrono::milliseconds stream_idle_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds request_timeout{0};
  std::chrono::milliseconds request_headers_timeout{0};
  std::chrono::milliseconds drain_timeout{5000};
  // common_http_protocol_options: a connection drains (HTTP/1: Connection: close, HTTP/2:
  // GOAWAY) this long after it was accepted; a stream without a route max_stream_duration
  // ends this long after it began.
  std::chrono::milliseconds max_connection_duration{0};
  std::chrono::milliseconds max_stream_duration{0};

  bool use_remote_address = false;
  uint32_t xff_num_trusted_hops = 0;
  // x-forwarded-client-cert handling (Envoy's default: SANITIZE).
  ForwardClientCert forward_client_cert = ForwardClientCert::kSanitize;
  ClientCertDetails client_cert_details;
  bool generate_request_id = true;
  bool preserve_external_request_id = false;
  std::string server_name = "meshproxy";
  ServerHeaderTransformation server_header_transformation = ServerHeaderTransformation::kOverwrite;
  bool normalize_path = false;
  bool merge_slashes = false;
  // Upgrade types allowed (lower-case, e.g. "websocket"); Envoy rejects other upgrades.
  std::vector<std::string> upgrade_types;

  std::vector<std::shared_ptr<const accesslog::AccessLogger>> access_logs;
  // Told of every finished request after the access logs (native istio.stats).
  std::vector<std::shared_ptr<const accesslog::StreamObserver>> stream_observers;
  std::shared_ptr<const ConnManagerStats> stats;
  // http1.* (shared by every HCM, as in Envoy); may be null in tests.
  std::shared_ptr<const http1::Http1CodecStats> http1_stats;
  // `tracing`; null when not configured (then a request pays one null check for tracing).
  std::shared_ptr<const tracing::HttpTracer> tracer;
};

}  // namespace meshproxy::http
