// RouteTable::create: the config-time half of RouteTable (the matching half is route_table.cc).
#include <fmt/format.h>

#include <algorithm>

#include "envoy/config/route/v3/route.pb.h"
#include "proxy/route/header_mutations_translator.h"
#include "proxy/route/rate_limit_policy_translator.h"
#include "proxy/route/route_supported_fields.h"
#include "proxy/route/route_table.h"
#include "proxy/route/route_translator.h"
#include "proxy/core/ascii_case.h"
#include "proxy/http/header_validation.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/route/header_mutations_translator.h"
#include "proxy/route/retry_policy_translator.h"
#include "proxy/route/route_supported_fields.h"
#include "proxy/route/route_table.h"
#include "proxy/route/route_translator.h"

namespace meshproxy::route {

using http::isValidHeaderName;
using http::isValidHeaderValue;
namespace {

using envoy::config::route::v3::RouteConfiguration;
using ProtoVirtualHost = envoy::config::route::v3::VirtualHost;

// Envoy's default for RouteConfiguration.max_direct_response_body_size_bytes.
constexpr uint32_t kDefaultMaxDirectResponseBodySize = 4096;

absl::StatusOr<std::unique_ptr<VirtualHost>> translateVirtualHost(
    const ProtoVirtualHost& proto, const RouteConfigCommon& common,
    const RouteTranslationLimits& limits) {
  if (proto.name().empty()) return absl::InvalidArgumentError("name must not be empty");
  if (proto.require_tls() != ProtoVirtualHost::NONE) {
    return absl::InvalidArgumentError(
        fmt::format("unsupported: require_tls {}",
                    ProtoVirtualHost::TlsRequirementType_Name(proto.require_tls())));
  }
  if (proto.domains().empty()) return absl::InvalidArgumentError("domains must not be empty");
  for (const std::string& domain : proto.domains()) {
    if (!isValidHeaderValue(domain)) {
      return absl::InvalidArgumentError("a domain contains NUL, CR or LF");
    }
  }
  auto vhost = std::make_unique<VirtualHost>();
  vhost->name = proto.name();
  vhost->metadata = protobuf::keepMetadata(proto.metadata());
  vhost->route_config = &common;
  auto request =
      translateHeaderMutations(proto.request_headers_to_add(), proto.request_headers_to_remove());
  if (!request.ok()) return protobuf::withContext(request.status(), "request_headers_to_add/remove");
  auto response =
      translateHeaderMutations(proto.response_headers_to_add(), proto.response_headers_to_remove());
  if (!response.ok()) return protobuf::withContext(response.status(), "response_headers_to_add/remove");
  vhost->request_mutations = std::move(*request);
  vhost->response_mutations = std::move(*response);
  auto per_filter = translatePerFilterConfigs(proto.typed_per_filter_config(),
                                              limits.find_per_filter_config != nullptr
                                                  ? *limits.find_per_filter_config
                                                  : http::FindPerFilterConfigTranslator());
  if (!per_filter.ok()) return per_filter.status();
  vhost->per_filter_configs = *std::move(per_filter);
  if (proto.has_retry_policy()) {
    auto policy = translateRetryPolicy(proto.retry_policy(), limits.max_regex_program_size);
    if (!policy.ok()) return protobuf::withContext(policy.status(), "retry_policy");
    vhost->retry_policy = std::make_shared<const RetryPolicy>(std::move(*policy));
  }
  if (proto.has_hedge_policy()) {
    auto hedge = translateHedgePolicy(proto.hedge_policy());
    if (!hedge.ok()) return hedge.status();
    vhost->hedge_policy = *hedge;
  }
  vhost->include_request_attempt_count = proto.include_request_attempt_count();
  vhost->include_attempt_count_in_response = proto.include_attempt_count_in_response();
  auto rate_limits = translateRateLimits(proto.rate_limits(), limits.max_regex_program_size);
  if (!rate_limits.ok()) return rate_limits.status();
  vhost->rate_limits = std::move(*rate_limits);
  auto cors = translateCorsField(proto.has_cors() ? &proto.cors() : nullptr,
                                 limits.find_per_filter_config != nullptr
                                     ? *limits.find_per_filter_config
                                     : http::FindPerFilterConfigTranslator());
  if (!cors.ok()) return cors.status();
  vhost->cors = std::move(*cors);

  vhost->routes.reserve(static_cast<size_t>(proto.routes_size()));
  for (int i = 0; i < proto.routes_size(); ++i) {
    auto route = translateRoute(proto.routes(i), *vhost, limits);
    if (!route.ok()) {
      return protobuf::withContext(route.status(),
                         fmt::format("route '{}' (routes[{}])", proto.routes(i).name(), i));
    }
    vhost->routes.push_back(std::move(*route));
  }
  return vhost;
}

void collectClusterNames(const VirtualHost& vhost, std::vector<std::string>& out) {
  for (const Route& route : vhost.routes) {
    const RouteAction* action = route.routeAction();
    if (action == nullptr) continue;
    if (action->cluster_specifier == RouteAction::ClusterSpecifier::kCluster) {
      out.push_back(action->cluster);
    }
    for (const WeightedCluster& cluster : action->weighted_clusters) out.push_back(cluster.name);
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RouteTable>> RouteTable::create(
    const RouteConfiguration& proto, const RouteTableOptions& options) {
  const std::string where = fmt::format("route configuration '{}'", proto.name());
  if (auto s = routeConfigurationFields().check(proto); !s.ok()) return protobuf::withContext(s, where);

  std::shared_ptr<RouteTable> table(new RouteTable(proto.ignore_port_in_host_matching()));
  table->name_ = proto.name();
  RouteConfigCommon& common = table->common_;
  common.most_specific_header_mutations_wins = proto.most_specific_header_mutations_wins();
  common.ignore_path_parameters_in_path_matching = proto.ignore_path_parameters_in_path_matching();
  auto request =
      translateHeaderMutations(proto.request_headers_to_add(), proto.request_headers_to_remove());
  if (!request.ok()) {
    return protobuf::withContext(request.status(), where + ": request_headers_to_add/remove");
  }
  auto response =
      translateHeaderMutations(proto.response_headers_to_add(), proto.response_headers_to_remove());
  if (!response.ok()) {
    return protobuf::withContext(response.status(), where + ": response_headers_to_add/remove");
  }
  common.request_mutations = std::move(*request);
  common.response_mutations = std::move(*response);
  auto per_filter =
      translatePerFilterConfigs(proto.typed_per_filter_config(), options.find_per_filter_config);
  if (!per_filter.ok()) return protobuf::withContext(per_filter.status(), where);
  common.per_filter_configs = *std::move(per_filter);
  table->disables_filters_ = common.per_filter_configs.anyDisabled();

  for (const std::string& name : proto.internal_only_headers()) {
    if (!isValidHeaderName(name)) {
      return absl::InvalidArgumentError(
          fmt::format("{}: invalid internal_only_headers entry '{}'", where, name));
    }
    table->internal_only_headers_.push_back(toLowerCopy(name));
  }
  if (proto.has_validate_clusters()) table->validate_clusters_ = proto.validate_clusters().value();

  const RouteTranslationLimits limits{
      .max_regex_program_size = options.max_regex_program_size,
      .max_direct_response_body_size = proto.has_max_direct_response_body_size_bytes()
                                           ? proto.max_direct_response_body_size_bytes().value()
                                           : kDefaultMaxDirectResponseBodySize,
      .find_per_filter_config = &options.find_per_filter_config,
  };
  for (int i = 0; i < proto.virtual_hosts_size(); ++i) {
    const ProtoVirtualHost& vhost_proto = proto.virtual_hosts(i);
    const std::string vhost_where =
        fmt::format("{}: virtual host '{}' (virtual_hosts[{}])", where, vhost_proto.name(), i);
    auto vhost = translateVirtualHost(vhost_proto, common, limits);
    if (!vhost.ok()) return protobuf::withContext(vhost.status(), vhost_where);
    for (const std::string& domain : vhost_proto.domains()) {
      auto s = table->index_.add(domain, vhost->get(), proto.name());
      if (!s.ok()) return protobuf::withContext(s, vhost_where);
    }
    collectClusterNames(**vhost, table->cluster_names_);
    if ((*vhost)->per_filter_configs.anyDisabled()) table->disables_filters_ = true;
    for (const Route& route : (*vhost)->routes) {
      if (route.perFilterConfigs().anyDisabled()) table->disables_filters_ = true;
    }
    table->virtual_hosts_.push_back(std::move(*vhost));
  }
  std::sort(table->cluster_names_.begin(), table->cluster_names_.end());
  table->cluster_names_.erase(
      std::unique(table->cluster_names_.begin(), table->cluster_names_.end()),
      table->cluster_names_.end());
  return std::shared_ptr<const RouteTable>(std::move(table));
}

}  // namespace meshproxy::route
