#include "proxy/filters/http/fault/fault_config.h"

#include <fmt/format.h>

#include "envoy/extensions/filters/http/fault/v3/fault.pb.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/matcher/regex.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/protobuf/type_translators.h"
#include "proxy/route/route_supported_fields.h"

namespace meshproxy::filters::fault {
namespace {

namespace v3 = envoy::extensions::filters::http::fault::v3;
namespace common = envoy::extensions::filters::common::fault::v3;

const protobuf::SupportedFields& fields() {
  static const protobuf::SupportedFields f = [] {
    protobuf::SupportedFields s = {
        {"envoy.extensions.filters.http.fault.v3.HTTPFault",
         {"delay", "abort", "upstream_cluster", "headers", "downstream_nodes", "max_active_faults",
          "response_rate_limit", "delay_percent_runtime", "abort_percent_runtime",
          "delay_duration_runtime", "abort_http_status_runtime", "max_active_faults_runtime",
          "response_rate_limit_percent_runtime", "abort_grpc_status_runtime",
          "disable_downstream_cluster_stats", "filter_metadata"}},
        {"envoy.extensions.filters.http.fault.v3.FaultAbort",
         {"http_status", "grpc_status", "header_abort", "percentage"}},
        {"envoy.extensions.filters.http.fault.v3.FaultAbort.HeaderAbort", {}},
        {"envoy.extensions.filters.common.fault.v3.FaultDelay",
         {"fixed_delay", "header_delay", "percentage"}},
        {"envoy.extensions.filters.common.fault.v3.FaultDelay.HeaderDelay", {}},
        {"envoy.extensions.filters.common.fault.v3.FaultRateLimit",
         {"fixed_limit", "header_limit", "percentage"}},
        {"envoy.extensions.filters.common.fault.v3.FaultRateLimit.FixedLimit", {"limit_kbps"}},
        {"envoy.extensions.filters.common.fault.v3.FaultRateLimit.HeaderLimit", {}},
    };
    s.merge(protobuf::typeTranslatorFields());
    // HeaderMatcher and StringMatcher: what route matching supports.
    s.merge(route::routeConfigurationFields());
    return s;
  }();
  return f;
}

absl::Status invalid(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(fmt::format("fault: {}: {}", field, message));
}

absl::StatusOr<FaultPercentage> percentage(bool has, const envoy::type::v3::FractionalPercent& p,
                                           bool header_controlled, std::string_view field) {
  FaultPercentage out;
  out.header_controlled = header_controlled;
  // Unset: the proto's default, 0% (Envoy reads the message as is).
  if (!has) {
    out.configured = FractionalPercent::never();
    return out;
  }
  auto fp = protobuf::translateFractionalPercent(p, fmt::format("fault: {}", field));
  if (!fp.ok()) return fp.status();
  out.configured = *fp;
  return out;
}

absl::StatusOr<DelayFault> translateDelay(const common::FaultDelay& p) {
  DelayFault d;
  switch (p.fault_delay_secifier_case()) {
    case common::FaultDelay::kFixedDelay: {
      const auto ms = protobuf::toMilliseconds(p.fixed_delay());
      if (ms.count() <= 0) return invalid("delay.fixed_delay", "must be greater than 0");
      d.fixed = ms;
      break;
    }
    case common::FaultDelay::kHeaderDelay:
      break;
    default:
      return invalid("delay", "one of fixed_delay or header_delay is required");
  }
  auto pct = percentage(p.has_percentage(), p.percentage(), !d.fixed, "delay.percentage");
  if (!pct.ok()) return pct.status();
  d.percentage = *pct;
  return d;
}

absl::StatusOr<AbortFault> translateAbort(const v3::FaultAbort& p) {
  AbortFault a;
  switch (p.error_type_case()) {
    case v3::FaultAbort::kHttpStatus:
      if (p.http_status() < 200 || p.http_status() >= 600) {
        return invalid("abort.http_status",
                       fmt::format("must be in [200, 600), got {}", p.http_status()));
      }
      a.http_status = p.http_status();
      break;
    case v3::FaultAbort::kGrpcStatus:
      a.grpc_status = p.grpc_status();
      break;
    case v3::FaultAbort::kHeaderAbort:
      a.header_controlled = true;
      break;
    default:
      return invalid("abort", "one of http_status, grpc_status or header_abort is required");
  }
  auto pct =
      percentage(p.has_percentage(), p.percentage(), a.header_controlled, "abort.percentage");
  if (!pct.ok()) return pct.status();
  a.percentage = *pct;
  return a;
}

absl::StatusOr<ResponseRateLimitFault> translateRateLimit(const common::FaultRateLimit& p) {
  ResponseRateLimitFault r;
  switch (p.limit_type_case()) {
    case common::FaultRateLimit::kFixedLimit:
      if (p.fixed_limit().limit_kbps() < 1) {
        return invalid("response_rate_limit.fixed_limit.limit_kbps", "must be at least 1");
      }
      r.fixed_kbps = p.fixed_limit().limit_kbps();
      break;
    case common::FaultRateLimit::kHeaderLimit:
      break;
    default:
      return invalid("response_rate_limit", "one of fixed_limit or header_limit is required");
  }
  auto pct = percentage(p.has_percentage(), p.percentage(), !r.fixed_kbps,
                        "response_rate_limit.percentage");
  if (!pct.ok()) return pct.status();
  r.percentage = *pct;
  return r;
}

// Everything but the stats and the active count.
absl::StatusOr<std::shared_ptr<FaultConfig>> translateSettings(const v3::HTTPFault& proto) {
  if (auto s = fields().check(proto); !s.ok()) return protobuf::withContext(s, "fault");
  auto c = std::make_shared<FaultConfig>();
  if (proto.has_delay()) {
    auto d = translateDelay(proto.delay());
    if (!d.ok()) return d.status();
    c->delay = *d;
  }
  if (proto.has_abort()) {
    auto a = translateAbort(proto.abort());
    if (!a.ok()) return a.status();
    c->abort = *a;
  }
  if (proto.has_response_rate_limit()) {
    auto r = translateRateLimit(proto.response_rate_limit());
    if (!r.ok()) return r.status();
    c->response_rate_limit = *r;
  }
  c->upstream_cluster = proto.upstream_cluster();
  for (int i = 0; i < proto.headers_size(); ++i) {
    auto m =
        matcher::translateHeaderMatcher(proto.headers(i), matcher::kDefaultMaxRegexProgramSize);
    if (!m.ok()) return protobuf::withContext(m.status(), fmt::format("fault: headers[{}]", i));
    c->headers.push_back(std::move(*m));
  }
  for (const std::string& node : proto.downstream_nodes()) c->downstream_nodes.insert(node);
  if (proto.has_max_active_faults()) c->max_active_faults = proto.max_active_faults().value();
  if (proto.has_filter_metadata())
    c->filter_metadata_json = protobuf::messageToJson(proto.filter_metadata());
  return c;
}

}  // namespace

void FaultStats::recordDelay(std::string_view downstream_cluster) const {
  delays_injected.inc();
  if (downstream_cluster_stats && !downstream_cluster.empty()) {
    scope.scope(downstream_cluster).counter("delays_injected").inc();
  }
}

void FaultStats::recordAbort(std::string_view downstream_cluster) const {
  aborts_injected.inc();
  if (downstream_cluster_stats && !downstream_cluster.empty()) {
    scope.scope(downstream_cluster).counter("aborts_injected").inc();
  }
}

bool ActiveFaults::tryEnter(std::optional<uint64_t> max) {
  uint64_t current = count_.load(std::memory_order_relaxed);
  do {
    if (max && current >= *max) return false;
  } while (!count_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  if (gauge_ != nullptr) gauge_->inc();
  return true;
}

void ActiveFaults::leave() {
  count_.fetch_sub(1, std::memory_order_relaxed);
  if (gauge_ != nullptr) gauge_->dec();
}

absl::StatusOr<std::shared_ptr<const FaultConfig>> translateFault(const v3::HTTPFault& proto,
                                                                  const stats::Scope& stats_scope) {
  auto c = translateSettings(proto);
  if (!c.ok()) return c.status();
  stats::Scope s = stats_scope.scope("fault");
  (*c)->stats = std::make_shared<const FaultStats>(
      FaultStats{s.counter("delays_injected"), s.counter("aborts_injected"),
                 s.counter("response_rl_injected"), s.counter("faults_overflow"),
                 s.gauge("active_faults"), s, !proto.disable_downstream_cluster_stats()});
  (*c)->active = std::make_shared<ActiveFaults>(&s.gauge("active_faults"));
  return std::shared_ptr<const FaultConfig>(std::move(*c));
}

absl::StatusOr<std::shared_ptr<const FaultConfig>> translateFaultSettings(
    const v3::HTTPFault& proto) {
  if (proto.disable_downstream_cluster_stats()) {
    // The stats belong to the filter; a route cannot change how they are kept.
    return invalid("disable_downstream_cluster_stats",
                   "is the filter's: set it on the filter, not in a route's config");
  }
  auto c = translateSettings(proto);
  if (!c.ok()) return c.status();
  return std::shared_ptr<const FaultConfig>(std::move(*c));
}

absl::StatusOr<std::shared_ptr<const FaultConfig>> translateFaultPerRoute(
    const v3::HTTPFault& proto, const FaultConfig& filter) {
  if (proto.disable_downstream_cluster_stats() != !filter.stats->downstream_cluster_stats) {
    // The stats belong to the filter; a route cannot change how they are kept.
    return invalid("disable_downstream_cluster_stats",
                   "must be the same as the filter's in a route's config");
  }
  auto c = translateSettings(proto);
  if (!c.ok()) return c.status();
  (*c)->stats = filter.stats;
  (*c)->active = filter.active;
  return std::shared_ptr<const FaultConfig>(std::move(*c));
}

}  // namespace meshproxy::filters::fault
