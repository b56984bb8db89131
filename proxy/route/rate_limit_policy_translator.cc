#include "proxy/route/rate_limit_policy_translator.h"

#include <fmt/format.h>

#include "envoy/config/route/v3/route_components.pb.h"
#include "proxy/http/header_map.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/route/route_supported_fields.h"

namespace meshproxy::route {
namespace {

using ProtoRateLimit = envoy::config::route::v3::RateLimit;
using ProtoAction = envoy::config::route::v3::RateLimit::Action;
namespace action = rate_limit_action;

const protobuf::SupportedFields& rateLimitFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        {"envoy.config.route.v3.RateLimit", {"stage", "disable_key", "actions"}},
        {"envoy.config.route.v3.RateLimit.Action",
         {"source_cluster", "destination_cluster", "request_headers", "remote_address",
          "generic_key", "header_value_match", "masked_remote_address",
          "query_parameter_value_match"}},
        {"envoy.config.route.v3.RateLimit.Action.SourceCluster", {}},
        {"envoy.config.route.v3.RateLimit.Action.DestinationCluster", {}},
        {"envoy.config.route.v3.RateLimit.Action.RemoteAddress", {}},
        {"envoy.config.route.v3.RateLimit.Action.RequestHeaders",
         {"header_name", "descriptor_key", "skip_if_absent"}},
        {"envoy.config.route.v3.RateLimit.Action.MaskedRemoteAddress",
         {"v4_prefix_mask_len", "v6_prefix_mask_len"}},
        {"envoy.config.route.v3.RateLimit.Action.GenericKey",
         {"descriptor_value", "descriptor_key"}},
        {"envoy.config.route.v3.RateLimit.Action.HeaderValueMatch",
         {"descriptor_key", "descriptor_value", "expect_match", "headers"}},
        {"envoy.config.route.v3.RateLimit.Action.QueryParameterValueMatch",
         {"descriptor_key", "descriptor_value", "expect_match", "query_parameters"}},
    };
    // HeaderMatcher, QueryParameterMatcher, StringMatcher: what route matching supports.
    f.merge(routeConfigurationFields());
    return f;
  }();
  return fields;
}

absl::Status invalid(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(fmt::format("{}: {}", field, message));
}

absl::StatusOr<RateLimitAction> translateAction(const ProtoAction& proto,
                                                uint32_t max_program_size) {
  switch (proto.action_specifier_case()) {
    case ProtoAction::kSourceCluster:
      return action::SourceCluster{};
    case ProtoAction::kDestinationCluster:
      return action::DestinationCluster{};
    case ProtoAction::kRemoteAddress:
      return action::RemoteAddress{};
    case ProtoAction::kMaskedRemoteAddress: {
      const auto& p = proto.masked_remote_address();
      action::MaskedRemoteAddress a;
      if (p.has_v4_prefix_mask_len()) a.v4_prefix_len = p.v4_prefix_mask_len().value();
      if (p.has_v6_prefix_mask_len()) a.v6_prefix_len = p.v6_prefix_mask_len().value();
      if (a.v4_prefix_len > 32) {
        return invalid("masked_remote_address.v4_prefix_mask_len", "must be at most 32");
      }
      if (a.v6_prefix_len > 128) {
        return invalid("masked_remote_address.v6_prefix_mask_len", "must be at most 128");
      }
      return a;
    }
    case ProtoAction::kRequestHeaders: {
      const auto& p = proto.request_headers();
      if (p.header_name().empty()) return invalid("request_headers.header_name", "is empty");
      if (p.descriptor_key().empty()) return invalid("request_headers.descriptor_key", "is empty");
      action::RequestHeader a{p.header_name(), p.descriptor_key(), p.skip_if_absent()};
      http::toLowerAscii(a.header_name);
      return a;
    }
    case ProtoAction::kGenericKey: {
      const auto& p = proto.generic_key();
      if (p.descriptor_value().empty()) {
        return invalid("generic_key.descriptor_value", "is empty");
      }
      return action::GenericKey{p.descriptor_key(), p.descriptor_value()};
    }
    case ProtoAction::kHeaderValueMatch: {
      const auto& p = proto.header_value_match();
      if (p.descriptor_value().empty()) {
        return invalid("header_value_match.descriptor_value", "is empty");
      }
      if (p.headers().empty()) return invalid("header_value_match.headers", "is empty");
      action::HeaderValueMatch a;
      a.key = p.descriptor_key();
      a.value = p.descriptor_value();
      a.expect_match = !p.has_expect_match() || p.expect_match().value();
      for (int i = 0; i < p.headers_size(); ++i) {
        auto m = matcher::translateHeaderMatcher(p.headers(i), max_program_size);
        if (!m.ok()) {
          return protobuf::withContext(m.status(),
                                       fmt::format("header_value_match.headers[{}]", i));
        }
        a.headers.push_back(std::move(*m));
      }
      return a;
    }
    case ProtoAction::kQueryParameterValueMatch: {
      const auto& p = proto.query_parameter_value_match();
      if (p.descriptor_value().empty()) {
        return invalid("query_parameter_value_match.descriptor_value", "is empty");
      }
      if (p.query_parameters().empty()) {
        return invalid("query_parameter_value_match.query_parameters", "is empty");
      }
      action::QueryParameterValueMatch a;
      a.key = p.descriptor_key();
      a.value = p.descriptor_value();
      a.expect_match = !p.has_expect_match() || p.expect_match().value();
      for (int i = 0; i < p.query_parameters_size(); ++i) {
        auto m = matcher::translateQueryParameterMatcher(p.query_parameters(i), max_program_size);
        if (!m.ok()) {
          return protobuf::withContext(
              m.status(), fmt::format("query_parameter_value_match.query_parameters[{}]", i));
        }
        a.query_parameters.push_back(std::move(*m));
      }
      return a;
    }
    default:
      // The refused kinds are caught by the field table first; this is an action with none set.
      return absl::InvalidArgumentError("an action needs one of its kinds set");
  }
}

}  // namespace

absl::StatusOr<RateLimitPolicy> translateRateLimits(
    const google::protobuf::RepeatedPtrField<ProtoRateLimit>& proto, uint32_t max_program_size) {
  std::vector<RateLimitPolicyEntry> entries;
  entries.reserve(proto.size());
  for (int i = 0; i < proto.size(); ++i) {
    const ProtoRateLimit& p = proto.Get(i);
    const std::string where = fmt::format("rate_limits[{}]", i);
    if (auto s = rateLimitFields().check(p, where); !s.ok()) return s;
    RateLimitPolicyEntry entry;
    entry.stage = p.has_stage() ? p.stage().value() : 0;
    entry.disable_key = p.disable_key();
    if (entry.stage > 10) return invalid(where + ".stage", "must be at most 10");
    if (p.actions().empty()) return invalid(where + ".actions", "needs at least one action");
    for (int j = 0; j < p.actions_size(); ++j) {
      auto a = translateAction(p.actions(j), max_program_size);
      if (!a.ok()) {
        return protobuf::withContext(a.status(), fmt::format("{}.actions[{}]", where, j));
      }
      entry.actions.push_back(std::move(*a));
    }
    entries.push_back(std::move(entry));
  }
  return RateLimitPolicy(std::move(entries));
}

}  // namespace meshproxy::route
