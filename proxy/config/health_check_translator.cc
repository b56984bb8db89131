#include "proxy/config/health_check_translator.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/core/v3/health_check.pb.h"
#include "envoy/extensions/health_check/event_sinks/file/v3/file.pb.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/matcher/regex.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/route/header_mutations_translator.h"

namespace meshproxy::config {
namespace {

using envoy::config::core::v3::HealthCheck;
using upstream::HealthCheckConfig;

constexpr char kFileSinkType[] =
    "envoy.extensions.health_check.event_sinks.file.v3.HealthCheckEventFileSink";

absl::Status invalid(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

// A Payload's bytes: `text` is hex (Envoy: "000000FF"), `binary` raw.
absl::StatusOr<std::string> payloadBytes(const HealthCheck::Payload& payload,
                                         const std::string& where) {
  if (payload.has_binary()) return payload.binary();
  const std::string& text = payload.text();
  bool hex =
      !text.empty() && text.size() % 2 == 0 && std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      });
  if (!hex) return invalid(where, absl::StrCat("text '", text, "' is not hex"));
  return absl::HexStringToBytes(text);
}

absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> statusRanges(
    const google::protobuf::RepeatedPtrField<envoy::type::v3::Int64Range>& ranges,
    const std::string& where) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (int i = 0; i < ranges.size(); ++i) {
    // Envoy: [start, end) within 100-599, start < end.
    if (ranges[i].start() < 100 || ranges[i].end() > 600 || ranges[i].start() >= ranges[i].end()) {
      return invalid(where,
                     absl::StrCat("[", i, "] must be a range within [100, 600) with start < end"));
    }
    out.emplace_back(ranges[i].start(), ranges[i].end());
  }
  return out;
}

absl::Status translateHttp(const HealthCheck::HttpHealthCheck& http, HealthCheckConfig& out,
                           const std::string& where) {
  out.kind = HealthCheckConfig::Kind::kHttp;
  if (http.codec_client_type() != envoy::type::v3::HTTP1) {
    return invalid(where, "http_health_check.codec_client_type: only HTTP1 is supported");
  }
  if (http.path().empty()) return invalid(where, "http_health_check.path is required");
  out.path = http.path();
  out.host = http.host();
  auto expected =
      statusRanges(http.expected_statuses(), where + " http_health_check.expected_statuses");
  if (!expected.ok()) return expected.status();
  out.expected_statuses = std::move(*expected);
  if (out.expected_statuses.empty()) out.expected_statuses = {{200, 201}};
  auto retriable =
      statusRanges(http.retriable_statuses(), where + " http_health_check.retriable_statuses");
  if (!retriable.ok()) return retriable.status();
  out.retriable_statuses = std::move(*retriable);
  auto headers = route::translateHeaderMutations(http.request_headers_to_add(),
                                                 http.request_headers_to_remove());
  if (!headers.ok()) return protobuf::withContext(headers.status(), where + " http_health_check");
  out.request_headers = std::move(*headers);
  if (http.has_service_name_matcher()) {
    auto m = matcher::translateStringMatcher(http.service_name_matcher(),
                                             matcher::kDefaultMaxRegexProgramSize);
    if (!m.ok()) {
      return protobuf::withContext(m.status(), where + " http_health_check.service_name_matcher");
    }
    out.service_name_matcher = std::move(*m);
  }
  return absl::OkStatus();
}

absl::Status translateTcp(const HealthCheck::TcpHealthCheck& tcp, HealthCheckConfig& out,
                          const std::string& where) {
  out.kind = HealthCheckConfig::Kind::kTcp;
  if (tcp.has_send()) {
    auto bytes = payloadBytes(tcp.send(), where + " tcp_health_check.send");
    if (!bytes.ok()) return bytes.status();
    out.send = std::move(*bytes);
  }
  for (int i = 0; i < tcp.receive_size(); ++i) {
    auto bytes =
        payloadBytes(tcp.receive(i), absl::StrCat(where, " tcp_health_check.receive[", i, "]"));
    if (!bytes.ok()) return bytes.status();
    out.receive.push_back(std::move(*bytes));
  }
  return absl::OkStatus();
}

absl::Status translateEventLoggers(const HealthCheck& proto, HealthCheckConfig& out,
                                   const std::string& where) {
  if (!proto.event_log_path().empty()) out.event_log_paths.push_back(proto.event_log_path());
  for (int i = 0; i < proto.event_logger_size(); ++i) {
    const auto& logger = proto.event_logger(i);
    std::string lwhere = absl::StrCat(where, " event_logger[", i, "]");
    std::string type = std::string(logger.typed_config().type_url());
    if (size_t slash = type.rfind('/'); slash != std::string::npos) type = type.substr(slash + 1);
    if (type != kFileSinkType) {
      return invalid(lwhere, absl::StrCat("unsupported health check event sink '", type, "' (only ",
                                          kFileSinkType, ")"));
    }
    auto sink = protobuf::unpackAny<
        envoy::extensions::health_check::event_sinks::file::v3::HealthCheckEventFileSink>(
        logger.typed_config(), lwhere);
    if (!sink.ok()) return sink.status();
    if (sink->event_log_path().empty()) return invalid(lwhere, "event_log_path is required");
    out.event_log_paths.push_back(sink->event_log_path());
  }
  return absl::OkStatus();
}

absl::StatusOr<upstream::HealthCheckConfigSharedPtr> translateOne(const HealthCheck& proto,
                                                                  const std::string& where) {
  auto out = std::make_shared<HealthCheckConfig>();
  if (!proto.has_timeout() || !proto.has_interval()) {
    return invalid(where, "timeout and interval are required");
  }
  out->timeout = protobuf::toMilliseconds(proto.timeout());
  out->interval = protobuf::toMilliseconds(proto.interval());
  if (out->timeout.count() <= 0 || out->interval.count() <= 0) {
    return invalid(where, "timeout and interval must be > 0");
  }
  if (!proto.has_unhealthy_threshold() || !proto.has_healthy_threshold()) {
    return invalid(where, "unhealthy_threshold and healthy_threshold are required");
  }
  // Envoy treats a threshold of 0 as 1 (the first result decides).
  out->unhealthy_threshold = std::max<uint32_t>(1, proto.unhealthy_threshold().value());
  out->healthy_threshold = std::max<uint32_t>(1, proto.healthy_threshold().value());
  auto duration =
      [&](bool has, const google::protobuf::Duration& d, std::string_view field,
          std::chrono::milliseconds fallback) -> absl::StatusOr<std::chrono::milliseconds> {
    if (!has) return fallback;
    auto ms = protobuf::durationField(d, field);
    if (!ms.ok()) return protobuf::withContext(ms.status(), where);
    return *ms;
  };
#define MESHPROXY_HC_DURATION(field, fallback)                               \
  {                                                                          \
    auto v = duration(proto.has_##field(), proto.field(), #field, fallback); \
    if (!v.ok()) return v.status();                                          \
    out->field = *v;                                                         \
  }
  MESHPROXY_HC_DURATION(initial_jitter, std::chrono::milliseconds(0));
  MESHPROXY_HC_DURATION(interval_jitter, std::chrono::milliseconds(0));
  MESHPROXY_HC_DURATION(no_traffic_interval, std::chrono::milliseconds(60000));
  MESHPROXY_HC_DURATION(no_traffic_healthy_interval, out->no_traffic_interval);
  MESHPROXY_HC_DURATION(unhealthy_interval, out->interval);
  MESHPROXY_HC_DURATION(unhealthy_edge_interval, out->unhealthy_interval);
  MESHPROXY_HC_DURATION(healthy_edge_interval, out->interval);
#undef MESHPROXY_HC_DURATION
  for (auto ms :
       {out->no_traffic_interval, out->no_traffic_healthy_interval, out->unhealthy_interval,
        out->unhealthy_edge_interval, out->healthy_edge_interval}) {
    if (ms.count() <= 0) {
      return invalid(where, "the *_interval fields must be > 0");
    }
  }
  out->interval_jitter_percent = proto.interval_jitter_percent();
  out->reuse_connection = !proto.has_reuse_connection() || proto.reuse_connection().value();
  out->always_log_health_check_failures = proto.always_log_health_check_failures();
  out->always_log_health_check_success = proto.always_log_health_check_success();
  if (auto s = translateEventLoggers(proto, *out, where); !s.ok()) return s;
  switch (proto.health_checker_case()) {
    case HealthCheck::kHttpHealthCheck:
      if (auto s = translateHttp(proto.http_health_check(), *out, where); !s.ok()) return s;
      break;
    case HealthCheck::kTcpHealthCheck:
      if (auto s = translateTcp(proto.tcp_health_check(), *out, where); !s.ok()) return s;
      break;
    case HealthCheck::kGrpcHealthCheck:
      out->kind = HealthCheckConfig::Kind::kGrpc;
      out->service_name = proto.grpc_health_check().service_name();
      out->authority = proto.grpc_health_check().authority();
      break;
    default:
      return invalid(where,
                     "a health checker (http_health_check, tcp_health_check or "
                     "grpc_health_check) is required");
  }
  return upstream::HealthCheckConfigSharedPtr(std::move(out));
}

}  // namespace

const protobuf::SupportedFields& healthCheckSupportedFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.config.cluster.v3.Cluster", {"health_checks", "ignore_health_on_host_removal"}},
      {"envoy.config.core.v3.HealthCheck",
       {"timeout",
        "interval",
        "initial_jitter",
        "interval_jitter",
        "interval_jitter_percent",
        "unhealthy_threshold",
        "healthy_threshold",
        "reuse_connection",
        "http_health_check",
        "tcp_health_check",
        "grpc_health_check",
        "no_traffic_interval",
        "no_traffic_healthy_interval",
        "unhealthy_interval",
        "unhealthy_edge_interval",
        "healthy_edge_interval",
        "event_log_path",
        "event_logger",
        "always_log_health_check_failures",
        "always_log_health_check_success"}},
      {"envoy.config.core.v3.HealthCheck.HttpHealthCheck",
       {"host", "path", "request_headers_to_add", "request_headers_to_remove", "expected_statuses",
        "retriable_statuses", "codec_client_type", "service_name_matcher"}},
      {"envoy.config.core.v3.HealthCheck.TcpHealthCheck", {"send", "receive"}},
      {"envoy.config.core.v3.HealthCheck.Payload", {"text", "binary"}},
      {"envoy.config.core.v3.HealthCheck.GrpcHealthCheck", {"service_name", "authority"}},
      {"envoy.config.core.v3.TypedExtensionConfig", {"name", "typed_config"}},
      {"envoy.type.v3.Int64Range", {"start", "end"}},
      {"envoy.config.core.v3.HeaderValueOption",
       {"header", "append", "append_action", "keep_empty_value"}},
      {"envoy.config.core.v3.HeaderValue", {"key", "value"}},
      {"envoy.type.matcher.v3.StringMatcher",
       {"exact", "prefix", "suffix", "safe_regex", "contains", "ignore_case"}},
      {"envoy.type.matcher.v3.RegexMatcher", {"google_re2", "regex"}},
      {"envoy.type.matcher.v3.RegexMatcher.GoogleRE2", {}},
  };
  return fields;
}

absl::Status translateHealthChecks(const envoy::config::cluster::v3::Cluster& proto,
                                   const stats::Scope& cluster_scope,
                                   upstream::ClusterConfig& config, const std::string& where) {
  config.ignore_health_on_host_removal = proto.ignore_health_on_host_removal();
  if (proto.health_checks_size() == 0) return absl::OkStatus();
  if (config.type == upstream::DiscoveryType::kOriginalDst) {
    return invalid(where,
                   "health_checks are not supported on an ORIGINAL_DST cluster (its hosts "
                   "are made per connection)");
  }
  for (int i = 0; i < proto.health_checks_size(); ++i) {
    auto check =
        translateOne(proto.health_checks(i), absl::StrCat(where, " health_checks[", i, "]"));
    if (!check.ok()) return check.status();
    if ((*check)->kind == HealthCheckConfig::Kind::kGrpc && !config.http2) {
      // Envoy: "Health check ... gRPC health check is only supported on HTTP/2 clusters".
      return invalid(absl::StrCat(where, " health_checks[", i, "]"),
                     "grpc_health_check needs an HTTP/2 cluster (http2_protocol_options)");
    }
    config.health_checks.push_back(std::move(*check));
  }
  stats::Scope s = cluster_scope.scope("health_check");
  config.health_check_stats =
      std::make_shared<const upstream::HealthCheckStats>(upstream::HealthCheckStats{
          s.counter("attempt"), s.counter("success"), s.counter("failure"),
          s.counter("network_failure"), s.counter("passive_failure"), s.counter("verify_cluster"),
          s.gauge("healthy"), s.gauge("degraded")});
  return absl::OkStatus();
}

}  // namespace meshproxy::config
