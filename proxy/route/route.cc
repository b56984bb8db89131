#include "proxy/route/route.h"

#include <xxhash.h>

#include "absl/strings/numbers.h"
#include "proxy/core/strings.h"
#include "proxy/http/header_map.h"
#include "proxy/route/virtual_host.h"

namespace meshproxy::route {

std::optional<std::chrono::milliseconds> Route::idleTimeout() const {
  const RouteAction* action = routeAction();
  return action == nullptr ? std::nullopt : action->idle_timeout;
}

const RetryPolicy* Route::retryPolicy() const {
  const RouteAction* action = routeAction();
  if (action != nullptr && action->retry_policy != nullptr) return action->retry_policy.get();
  return virtual_host_->retry_policy.get();
}

HedgePolicy Route::hedgePolicy() const {
  const RouteAction* action = routeAction();
  if (action != nullptr && action->hedge_policy.has_value()) return *action->hedge_policy;
  return virtual_host_->hedge_policy.value_or(HedgePolicy{});
}

const http::RouteSpecificFilterConfig* Route::mostSpecificPerFilterConfig(
    std::string_view filter_name, uint64_t random) const {
  if (const WeightedCluster* cluster = pickWeightedCluster(random); cluster != nullptr) {
    if (const auto* config = cluster->per_filter_configs.config(filter_name)) return config;
  }
  if (const auto* config = per_filter_configs_.config(filter_name)) return config;
  if (const auto* config = virtual_host_->per_filter_configs.config(filter_name)) return config;
  return virtual_host_->route_config->per_filter_configs.config(filter_name);
}

bool Route::filterDisabled(std::string_view filter_name) const {
  for (const PerFilterConfigs* level : {&per_filter_configs_, &virtual_host_->per_filter_configs,
                                        &virtual_host_->route_config->per_filter_configs}) {
    if (const auto* entry = level->find(filter_name)) return entry->disabled;
  }
  return false;
}

Route::Route(const VirtualHost& virtual_host, std::string name, RouteMatch match, Action action,
             HeaderMutations request_mutations, HeaderMutations response_mutations)
    : virtual_host_(&virtual_host),
      name_(std::move(name)),
      match_(std::move(match)),
      action_(std::move(action)),
      request_mutations_(std::move(request_mutations)),
      response_mutations_(std::move(response_mutations)) {}

bool Route::matches(const http::HeaderMap& headers, std::string_view full_path,
                    uint64_t random) const {
  return match_.matches(headers, full_path,
                        virtual_host_->route_config->ignore_path_parameters_in_path_matching,
                        random);
}

const WeightedCluster* Route::pickWeightedCluster(uint64_t random) const {
  const RouteAction* action = routeAction();
  if (action == nullptr ||
      action->cluster_specifier != RouteAction::ClusterSpecifier::kWeightedClusters) {
    return nullptr;
  }
  const uint64_t selected = random % action->total_weight;
  uint64_t end = 0;
  for (const WeightedCluster& cluster : action->weighted_clusters) {
    end += cluster.weight;
    if (selected < end) return &cluster;
  }
  return nullptr;  // unreachable: total_weight is the sum of the weights
}

uint64_t Route::weightedClusterValue(const http::HeaderMap* request_headers,
                                     uint64_t random) const {
  const RouteAction* action = routeAction();
  if (action == nullptr || action->weighted_clusters_header.empty() || request_headers == nullptr) {
    return random;
  }
  std::optional<std::string_view> value;
  for (const auto& [name, v] : request_headers->entries()) {
    if (name != action->weighted_clusters_header) continue;
    if (value.has_value()) return random;  // several values: not sticky, as in Envoy
    value = v;
  }
  if (!value.has_value()) return random;
  uint64_t number = 0;
  if (absl::SimpleAtoi(toAbsl(*value), &number)) return number;
  return XXH64(value->data(), value->size(), 0);
}

std::string_view Route::clusterName(const http::HeaderMap& request_headers, uint64_t random) const {
  const RouteAction* action = routeAction();
  if (action == nullptr) return {};
  switch (action->cluster_specifier) {
    case RouteAction::ClusterSpecifier::kCluster:
      return action->cluster;
    case RouteAction::ClusterSpecifier::kClusterHeader:
      // Untrusted input: only the first value counts, as in Envoy.
      return request_headers.get(action->cluster).value_or("");
    case RouteAction::ClusterSpecifier::kWeightedClusters: {
      const WeightedCluster* picked =
          pickWeightedCluster(weightedClusterValue(&request_headers, random));
      return picked == nullptr ? std::string_view() : std::string_view(picked->name);
    }
  }
  return {};
}

void Route::applyLevels(bool request, http::HeaderMap& headers, const accesslog::StreamInfo& info,
                        const WeightedCluster* weighted_cluster) const {
  const VirtualHost& vhost = *virtual_host_;
  const RouteConfigCommon& common = *vhost.route_config;
  auto pick = [request](const HeaderMutations& req, const HeaderMutations& resp) -> const auto& {
    return request ? req : resp;
  };
  if (weighted_cluster != nullptr) {
    pick(weighted_cluster->request_mutations, weighted_cluster->response_mutations)
        .apply(headers, info);
  }
  const HeaderMutations* levels[] = {
      &pick(request_mutations_, response_mutations_),
      &pick(vhost.request_mutations, vhost.response_mutations),
      &pick(common.request_mutations, common.response_mutations),
  };
  // Later levels overwrite earlier ones: by default the route configuration comes last.
  if (common.most_specific_header_mutations_wins) std::swap(levels[0], levels[2]);
  for (const HeaderMutations* level : levels) {
    if (!level->empty()) level->apply(headers, info);
  }
}

void Route::applyRequestHeaderMutations(http::HeaderMap& headers, const accesslog::StreamInfo& info,
                                        const WeightedCluster* weighted_cluster) const {
  applyLevels(true, headers, info, weighted_cluster);
}

void Route::applyResponseHeaderMutations(http::HeaderMap& headers,
                                         const accesslog::StreamInfo& info,
                                         const WeightedCluster* weighted_cluster) const {
  applyLevels(false, headers, info, weighted_cluster);
}

void Route::finalizeRequestHeaders(http::HeaderMap& headers, const accesslog::StreamInfo& info,
                                   const WeightedCluster* weighted_cluster,
                                   bool keep_original_path) const {
  if (weighted_cluster != nullptr) {
    weighted_cluster->request_mutations.apply(headers, info);
    if (!weighted_cluster->host_rewrite_literal.empty()) {
      headers.set(http::headers::kAuthority, weighted_cluster->host_rewrite_literal);
    }
  }
  applyLevels(true, headers, info, nullptr);
  applyRewrites(headers, nullptr, keep_original_path);
}

void Route::applyRewrites(http::HeaderMap& headers, const WeightedCluster* weighted_cluster,
                          bool keep_original_path) const {
  const RouteAction* action = routeAction();
  if (action == nullptr) return;
  if (weighted_cluster != nullptr && !weighted_cluster->host_rewrite_literal.empty()) {
    headers.set(http::headers::kAuthority, weighted_cluster->host_rewrite_literal);
  }
  if (!action->host_rewrite_literal.empty()) {
    if (action->append_x_forwarded_host) {
      std::string_view old_host = headers.authority();
      std::optional<std::string_view> xfh = headers.get("x-forwarded-host");
      // Append only if it is not already the last entry, so a re-run does not repeat it.
      std::string_view last = xfh ? xfh->substr(std::min(xfh->rfind(',') + 1, xfh->size())) : "";
      if (!old_host.empty() && (!xfh || last != old_host)) {
        std::string value = xfh ? std::string(*xfh) + "," : std::string();
        value.append(old_host);
        headers.set("x-forwarded-host", value);
      }
    }
    headers.set(http::headers::kAuthority, action->host_rewrite_literal);
  }
  if (action->path_rewrite.empty()) return;
  std::optional<std::string_view> path = headers.get(http::headers::kPath);
  if (!path) return;
  std::optional<std::string> new_path = action->path_rewrite.apply(*path, match_.path());
  if (!new_path) return;
  if (keep_original_path) headers.set(kOriginalPathHeader, *path);
  headers.set(http::headers::kPath, *new_path);
}

uint32_t Route::responseCode() const {
  if (const Redirect* r = redirect()) return r->response_code;
  if (const DirectResponse* d = directResponse()) return d->status;
  return 0;
}

std::string Route::location(const http::HeaderMap& request_headers) const {
  std::optional<std::string_view> path = request_headers.get(http::headers::kPath);
  if (!path) return {};
  if (const Redirect* r = redirect()) {
    std::optional<std::string> rewritten = r->rewrite.apply(*path, match_.path());
    return newUri(r, request_headers, rewritten ? std::string_view(*rewritten) : *path);
  }
  if (const DirectResponse* d = directResponse()) {
    if (d->status == 201 || (d->status >= 300 && d->status < 400)) {
      return newUri(nullptr, request_headers, *path);
    }
  }
  return {};
}

}  // namespace meshproxy::route
