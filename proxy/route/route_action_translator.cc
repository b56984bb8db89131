#include "proxy/route/route_action_translator.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include <limits>

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/type/matcher/v3/regex.pb.h"
#include "proxy/core/ascii_case.h"
#include "proxy/core/name_slots.h"
#include "proxy/http/header_validation.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/route/header_mutations_translator.h"
#include "proxy/route/retry_policy_translator.h"
#include "proxy/route/rate_limit_policy_translator.h"
#include "proxy/route/route_match_translator.h"

namespace meshproxy::route {

using http::isValidHeaderName;
using http::isValidHeaderValue;
using matcher::translateRegex;
namespace {

using envoy::config::route::v3::RouteAction_ClusterNotFoundResponseCode;
using ProtoRouteAction = envoy::config::route::v3::RouteAction;
using ProtoWeightedCluster = envoy::config::route::v3::WeightedCluster;

using FindTranslator = http::FindPerFilterConfigTranslator;

absl::StatusOr<WeightedCluster> translateClusterWeight(
    const ProtoWeightedCluster::ClusterWeight& proto, const FindTranslator& find) {
  if (proto.name().empty()) return absl::InvalidArgumentError("name must be set");
  if (!isValidHeaderValue(proto.host_rewrite_literal())) {
    return absl::InvalidArgumentError("host_rewrite_literal contains NUL, CR or LF");
  }
  WeightedCluster cluster;
  cluster.name = proto.name();
  cluster.slot = clusterSlots().intern(cluster.name);
  cluster.weight = proto.has_weight() ? proto.weight().value() : 0;
  cluster.host_rewrite_literal = proto.host_rewrite_literal();
  auto request =
      translateHeaderMutations(proto.request_headers_to_add(), proto.request_headers_to_remove());
  if (!request.ok()) return request.status();
  auto response =
      translateHeaderMutations(proto.response_headers_to_add(), proto.response_headers_to_remove());
  if (!response.ok()) return response.status();
  cluster.request_mutations = std::move(*request);
  cluster.response_mutations = std::move(*response);
  auto per_filter = translatePerFilterConfigs(proto.typed_per_filter_config(), find);
  if (!per_filter.ok()) return per_filter.status();
  cluster.per_filter_configs = *std::move(per_filter);
  return cluster;
}

absl::Status translateWeightedClusters(const ProtoWeightedCluster& proto, RouteAction& action,
                                       const FindTranslator& find) {
  if (proto.clusters().empty()) {
    return absl::InvalidArgumentError("weighted_clusters.clusters must not be empty");
  }
  // total_weight is deprecated and, as in Envoy, ignored: weights are relative to their sum.
  if (!proto.header_name().empty()) {
    if (!isValidHeaderName(proto.header_name())) {
      return absl::InvalidArgumentError(fmt::format(
          "weighted_clusters.header_name '{}' is not a valid header name", proto.header_name()));
    }
    action.weighted_clusters_header = toLowerCopy(proto.header_name());
  }
  for (int i = 0; i < proto.clusters_size(); ++i) {
    auto cluster = translateClusterWeight(proto.clusters(i), find);
    if (!cluster.ok()) {
      return protobuf::withContext(cluster.status(),
                                   fmt::format("weighted_clusters.clusters[{}]", i));
    }
    action.total_weight += cluster->weight;
    action.weighted_clusters.push_back(std::move(*cluster));
  }
  if (action.total_weight > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(
        fmt::format("the sum of weights of all weighted clusters exceeds {}",
                    std::numeric_limits<uint32_t>::max()));
  }
  if (action.total_weight == 0) {
    return absl::InvalidArgumentError(
        "sum of weights in the weighted_cluster must be greater than 0");
  }
  return absl::OkStatus();
}

absl::Status translateClusterSpecifier(const ProtoRouteAction& proto, RouteAction& action,
                                       const FindTranslator& find) {
  switch (proto.cluster_specifier_case()) {
    case ProtoRouteAction::kCluster:
      if (proto.cluster().empty()) return absl::InvalidArgumentError("cluster must not be empty");
      action.cluster_specifier = RouteAction::ClusterSpecifier::kCluster;
      action.cluster = proto.cluster();
      action.cluster_slot = clusterSlots().intern(action.cluster);
      return absl::OkStatus();
    case ProtoRouteAction::kClusterHeader:
      if (!isValidHeaderName(proto.cluster_header())) {
        return absl::InvalidArgumentError(
            fmt::format("invalid cluster_header '{}'", proto.cluster_header()));
      }
      action.cluster_specifier = RouteAction::ClusterSpecifier::kClusterHeader;
      action.cluster = toLowerCopy(proto.cluster_header());
      return absl::OkStatus();
    case ProtoRouteAction::kWeightedClusters:
      action.cluster_specifier = RouteAction::ClusterSpecifier::kWeightedClusters;
      return translateWeightedClusters(proto.weighted_clusters(), action, find);
    default:
      return absl::InvalidArgumentError(
          "route needs one of cluster, cluster_header or weighted_clusters");
  }
}

uint32_t clusterNotFoundCode(RouteAction_ClusterNotFoundResponseCode code) {
  switch (code) {
    case ProtoRouteAction::NOT_FOUND:
      return 404;
    case ProtoRouteAction::INTERNAL_SERVER_ERROR:
      return 500;
    default:
      return 503;
  }
}

}  // namespace

absl::StatusOr<PathRewrite> translatePathRewrite(
    const std::string& prefix, const envoy::type::matcher::v3::RegexMatchAndSubstitute* regex,
    uint32_t max_regex_program_size) {
  if (!prefix.empty() && regex != nullptr) {
    return absl::InvalidArgumentError("specify only one of prefix_rewrite or regex_rewrite");
  }
  if (!prefix.empty()) {
    if (!isValidHeaderValue(prefix)) {
      return absl::InvalidArgumentError("prefix_rewrite contains NUL, CR or LF");
    }
    return PathRewrite::prefix(prefix);
  }
  if (regex == nullptr) return PathRewrite();
  if (!regex->has_pattern()) return absl::InvalidArgumentError("regex_rewrite.pattern is required");
  auto pattern = translateRegex(regex->pattern(), max_regex_program_size);
  if (!pattern.ok()) return protobuf::withContext(pattern.status(), "regex_rewrite.pattern");
  if (!isValidHeaderValue(regex->substitution())) {
    return absl::InvalidArgumentError("regex_rewrite.substitution contains NUL, CR or LF");
  }
  // Envoy would accept a substitution naming a group the pattern lacks and then leave every
  // path unchanged at run time; refusing it here is kinder.
  std::string error;
  if (!(*pattern)->CheckRewriteString(regex->substitution(), &error)) {
    return absl::InvalidArgumentError(
        fmt::format("regex_rewrite.substitution '{}': {}", regex->substitution(), error));
  }
  return PathRewrite::regex(std::move(*pattern), regex->substitution());
}

absl::StatusOr<RouteAction> translateRouteAction(
    const ProtoRouteAction& proto, uint32_t max_regex_program_size,
    const http::FindPerFilterConfigTranslator* find_per_filter_config) {
  RouteAction action;
  const FindTranslator none;
  const FindTranslator& find = find_per_filter_config != nullptr ? *find_per_filter_config : none;
  if (auto s = translateClusterSpecifier(proto, action, find); !s.ok()) return s;
  action.cluster_not_found_response_code =
      clusterNotFoundCode(proto.cluster_not_found_response_code());
  switch (proto.priority()) {
    case envoy::config::core::v3::DEFAULT:
      action.priority = 0;
      break;
    case envoy::config::core::v3::HIGH:
      action.priority = 1;
      break;
    default:
      return absl::InvalidArgumentError("priority must be DEFAULT or HIGH");
  }

  auto rewrite = translatePathRewrite(proto.prefix_rewrite(),
                                      proto.has_regex_rewrite() ? &proto.regex_rewrite() : nullptr,
                                      max_regex_program_size);
  if (!rewrite.ok()) return rewrite.status();
  action.path_rewrite = std::move(*rewrite);

  if (!isValidHeaderValue(proto.host_rewrite_literal())) {
    return absl::InvalidArgumentError("host_rewrite_literal contains NUL, CR or LF");
  }
  action.host_rewrite_literal = proto.host_rewrite_literal();
  action.auto_host_rewrite = proto.has_auto_host_rewrite() && proto.auto_host_rewrite().value();
  action.append_x_forwarded_host = proto.append_x_forwarded_host();

  if (proto.has_timeout()) {
    auto timeout = protobuf::durationField(proto.timeout(), "timeout");
    if (!timeout.ok()) return timeout.status();
    action.timeout = *timeout;
  }
  if (proto.has_idle_timeout()) {
    auto idle = protobuf::durationField(proto.idle_timeout(), "idle_timeout");
    if (!idle.ok()) return idle.status();
    action.idle_timeout = *idle;
  }
  auto hash_policies = translateHashPolicies(proto.hash_policy());
  if (!hash_policies.ok()) return hash_policies.status();
  action.hash_policies = std::move(*hash_policies);
  if (proto.has_max_stream_duration()) {
    const auto& msd = proto.max_stream_duration();
    http::StreamDurationPolicy& policy = action.stream_duration.emplace();
    if (msd.has_max_stream_duration()) {
      auto d = protobuf::durationField(msd.max_stream_duration(),
                                       "max_stream_duration.max_stream_duration");
      if (!d.ok()) return d.status();
      policy.max_stream_duration = *d;
    }
    if (msd.has_grpc_timeout_header_max()) {
      auto d = protobuf::durationField(msd.grpc_timeout_header_max(),
                                       "max_stream_duration.grpc_timeout_header_max");
      if (!d.ok()) return d.status();
      policy.grpc_timeout_header_max = *d;
    }
    if (msd.has_grpc_timeout_header_offset()) {
      auto d = protobuf::durationField(msd.grpc_timeout_header_offset(),
                                       "max_stream_duration.grpc_timeout_header_offset");
      if (!d.ok()) return d.status();
      policy.grpc_timeout_header_offset = *d;
    }
  }
  if (proto.has_retry_policy()) {
    auto policy = translateRetryPolicy(proto.retry_policy(), max_regex_program_size);
    if (!policy.ok()) return protobuf::withContext(policy.status(), "retry_policy");
    action.retry_policy = std::make_shared<const RetryPolicy>(std::move(*policy));
  }
  if (proto.has_hedge_policy()) {
    auto hedge = translateHedgePolicy(proto.hedge_policy());
    if (!hedge.ok()) return hedge.status();
    action.hedge_policy = *hedge;
  }
  auto rate_limits = translateRateLimits(proto.rate_limits(), max_regex_program_size);
  if (!rate_limits.ok()) return rate_limits.status();
  action.rate_limits = std::move(*rate_limits);
  auto cors = translateCorsField(proto.has_cors() ? &proto.cors() : nullptr, find);
  if (!cors.ok()) return cors.status();
  action.cors = std::move(*cors);
  return action;
}

}  // namespace meshproxy::route
