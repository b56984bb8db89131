#include "proxy/route/retry_policy_translator.h"

#include <fmt/format.h>

#include "envoy/config/route/v3/route_components.pb.h"
#include "proxy/core/ascii_case.h"
#include "proxy/http/header_validation.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::route {

namespace {

using ProtoRetryPolicy = envoy::config::route::v3::RetryPolicy;

constexpr std::string_view kPreviousHostsName = "envoy.retry_host_predicates.previous_hosts";
constexpr std::string_view kPreviousHostsType =
    "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate";

absl::Status translateHostPredicates(const ProtoRetryPolicy& proto, RetryPolicy& policy) {
  for (const auto& predicate : proto.retry_host_predicate()) {
    // Envoy finds the extension by its typed_config type first, then by name.
    bool by_type =
        predicate.has_typed_config() && predicate.typed_config().type_url() == kPreviousHostsType;
    bool by_name = !predicate.has_typed_config() && predicate.name() == kPreviousHostsName;
    if (!by_type && !by_name) {
      return absl::InvalidArgumentError(fmt::format(
          "retry_host_predicate '{}' is not supported (only {})",
          predicate.has_typed_config() ? predicate.typed_config().type_url() : predicate.name(),
          kPreviousHostsName));
    }
    policy.previous_hosts = true;
  }
  if (proto.host_selection_retry_max_attempts() < 0) {
    return absl::InvalidArgumentError("host_selection_retry_max_attempts must not be negative");
  }
  // Envoy: "if unspecified, this will default to retrying once".
  if (proto.host_selection_retry_max_attempts() > 0) {
    policy.host_selection_retry_max_attempts =
        static_cast<uint32_t>(std::min<int64_t>(proto.host_selection_retry_max_attempts(), 100));
  }
  return absl::OkStatus();
}

absl::Status translateBackOff(const ProtoRetryPolicy& proto, RetryPolicy& policy) {
  if (proto.has_retry_back_off()) {
    const auto& back_off = proto.retry_back_off();
    if (!back_off.has_base_interval()) {
      return absl::InvalidArgumentError("retry_back_off.base_interval is required");
    }
    auto base = protobuf::durationField(back_off.base_interval(), "retry_back_off.base_interval");
    if (!base.ok()) return base.status();
    if (base->count() <= 0) {
      return absl::InvalidArgumentError("retry_back_off.base_interval must be at least 1ms");
    }
    policy.base_interval = *base;
    policy.max_interval = *base * 10;
    if (back_off.has_max_interval()) {
      auto max = protobuf::durationField(back_off.max_interval(), "retry_back_off.max_interval");
      if (!max.ok()) return max.status();
      if (*max < *base) {
        return absl::InvalidArgumentError(
            "retry_back_off.max_interval must be greater than or equal to the base_interval");
      }
      policy.max_interval = *max;
    }
  }
  if (proto.has_rate_limited_retry_back_off()) {
    const auto& rl = proto.rate_limited_retry_back_off();
    if (rl.reset_headers().empty()) {
      return absl::InvalidArgumentError(
          "rate_limited_retry_back_off.reset_headers must not be empty");
    }
    for (const auto& header : rl.reset_headers()) {
      if (!http::isValidHeaderName(header.name())) {
        return absl::InvalidArgumentError(fmt::format(
            "rate_limited_retry_back_off.reset_headers: invalid name '{}'", header.name()));
      }
      policy.reset_headers.push_back(
          {toLowerCopy(header.name()), header.format() == ProtoRetryPolicy::UNIX_TIMESTAMP});
    }
    if (rl.has_max_interval()) {
      auto max =
          protobuf::durationField(rl.max_interval(), "rate_limited_retry_back_off.max_interval");
      if (!max.ok()) return max.status();
      if (max->count() <= 0) {
        return absl::InvalidArgumentError(
            "rate_limited_retry_back_off.max_interval must be at least 1ms");
      }
      policy.rate_limited_max_interval = *max;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<matcher::HeaderMatcher>> translateMatchers(
    const google::protobuf::RepeatedPtrField<envoy::config::route::v3::HeaderMatcher>& protos,
    uint32_t max_regex_program_size, std::string_view field) {
  std::vector<matcher::HeaderMatcher> out;
  for (int i = 0; i < protos.size(); ++i) {
    auto m = matcher::translateHeaderMatcher(protos[i], max_regex_program_size);
    if (!m.ok()) return protobuf::withContext(m.status(), fmt::format("{}[{}]", field, i));
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace

absl::StatusOr<RetryPolicy> translateRetryPolicy(const ProtoRetryPolicy& proto,
                                                 uint32_t max_regex_program_size) {
  RetryPolicy policy;
  std::string error;
  policy.retry_on = parseRetryOn(proto.retry_on(), &error);
  if (!error.empty()) return absl::InvalidArgumentError(error);
  if (proto.has_num_retries()) policy.num_retries = proto.num_retries().value();
  if (proto.has_per_try_timeout()) {
    auto t = protobuf::durationField(proto.per_try_timeout(), "per_try_timeout");
    if (!t.ok()) return t.status();
    policy.per_try_timeout = *t;
  }
  if (proto.has_per_try_idle_timeout()) {
    auto t = protobuf::durationField(proto.per_try_idle_timeout(), "per_try_idle_timeout");
    if (!t.ok()) return t.status();
    policy.per_try_idle_timeout = *t;
  }
  if (auto s = translateHostPredicates(proto, policy); !s.ok()) return s;
  if (auto s = translateBackOff(proto, policy); !s.ok()) return s;
  for (uint32_t code : proto.retriable_status_codes()) {
    if (code < 100 || code > 599) {
      return absl::InvalidArgumentError(
          fmt::format("retriable_status_codes: {} is not an HTTP status", code));
    }
    policy.retriable_status_codes.push_back(code);
  }
  auto headers =
      translateMatchers(proto.retriable_headers(), max_regex_program_size, "retriable_headers");
  if (!headers.ok()) return headers.status();
  policy.retriable_headers = std::move(*headers);
  auto request_headers = translateMatchers(proto.retriable_request_headers(),
                                           max_regex_program_size, "retriable_request_headers");
  if (!request_headers.ok()) return request_headers.status();
  policy.retriable_request_headers = std::move(*request_headers);
  return policy;
}

absl::StatusOr<HedgePolicy> translateHedgePolicy(
    const envoy::config::route::v3::HedgePolicy& proto) {
  if (proto.has_initial_requests() && proto.initial_requests().value() != 1) {
    return absl::InvalidArgumentError("unsupported: hedge_policy.initial_requests other than 1");
  }
  if (proto.has_additional_request_chance() && proto.additional_request_chance().numerator() != 0) {
    return absl::InvalidArgumentError("unsupported: hedge_policy.additional_request_chance");
  }
  HedgePolicy policy;
  policy.hedge_on_per_try_timeout = proto.hedge_on_per_try_timeout();
  return policy;
}

}  // namespace meshproxy::route
