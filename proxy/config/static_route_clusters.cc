#include "proxy/config/static_route_clusters.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"

namespace meshproxy::config {
namespace {

using envoy::config::route::v3::RouteConfiguration;
using envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager;

constexpr char kHcmType[] =
    "type.googleapis.com/"
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

absl::Status checkRouteConfig(const RouteConfiguration& rc,
                              const absl::flat_hash_set<std::string>& clusters) {
  if (rc.has_validate_clusters() && !rc.validate_clusters().value()) return absl::OkStatus();
  for (const auto& vhost : rc.virtual_hosts()) {
    for (const auto& route : vhost.routes()) {
      if (!route.has_route()) continue;  // redirect, direct_response: no cluster
      const auto& action = route.route();
      if (!action.cluster().empty() && !clusters.contains(action.cluster())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "route_config '", rc.name(), "': route: unknown cluster '", action.cluster(), "'"));
      }
      for (const auto& weighted : action.weighted_clusters().clusters()) {
        if (!weighted.name().empty() && !clusters.contains(weighted.name())) {
          return absl::InvalidArgumentError(absl::StrCat("route_config '", rc.name(),
                                                         "': route: unknown weighted cluster '",
                                                         weighted.name(), "'"));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status checkFilterChain(const envoy::config::listener::v3::FilterChain& chain,
                              const absl::flat_hash_set<std::string>& clusters,
                              const std::string& where) {
  for (int i = 0; i < chain.filters_size(); ++i) {
    const auto& filter = chain.filters(i);
    if (filter.typed_config().type_url() != kHcmType) continue;
    HttpConnectionManager hcm;
    // Undecodable: the listener translator reports it with more context.
    if (!filter.typed_config().UnpackTo(&hcm) || !hcm.has_route_config()) continue;
    if (auto s = checkRouteConfig(hcm.route_config(), clusters); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".filters[", i, "] '", filter.name(), "': ", s.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status checkStaticRouteClusters(const envoy::config::bootstrap::v3::Bootstrap& bootstrap) {
  absl::flat_hash_set<std::string> clusters;
  for (const auto& c : bootstrap.static_resources().clusters()) clusters.insert(c.name());
  for (const auto& l : bootstrap.static_resources().listeners()) {
    std::string where = absl::StrCat("listener '", l.name(), "'");
    for (int i = 0; i < l.filter_chains_size(); ++i) {
      auto s = checkFilterChain(l.filter_chains(i), clusters,
                                absl::StrCat(where, " filter_chains[", i, "]"));
      if (!s.ok()) return s;
    }
    if (l.has_default_filter_chain()) {
      auto s =
          checkFilterChain(l.default_filter_chain(), clusters, where + " default_filter_chain");
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace meshproxy::config
