#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/http/header_map.h"
#include "proxy/http/route_config.h"
#include "proxy/matcher/regex.h"
#include "proxy/route/route.h"
#include "proxy/route/virtual_host.h"
#include "proxy/route/virtual_host_index.h"
#include "proxy/runtime/well_known_keys.h"

namespace envoy::config::route::v3 {
class RouteConfiguration;
}

namespace meshproxy::route {

struct RouteTableOptions {
  // Envoy's runtime key re2.max_program_size.error_level, read from the runtime when the
  // options are made (on the main thread: its snapshot is the loader's current one).
  uint32_t max_regex_program_size = runtime::maxRegexProgramSize();
  // Translators for typed_per_filter_config values, by per-route type URL. route/ cannot see
  // the extension registry (config/ sits above it): callers pass
  // config::perRouteFilterConfigLookup(). Empty: any per-route config is refused (unless
  // optional or only disabling a filter).
  http::FindPerFilterConfigTranslator find_per_filter_config;
};

// A RouteConfiguration, translated once on the main thread into an immutable table that
// workers share: virtual hosts found by :authority, then routes tried in order. Matching does
// no regex compilation, no name lookups and no allocation (except to lower-case a host longer
// than 256 bytes, or to join a repeated header for a header matcher).
//
// Usage on the worker:
//   const Route* route = table->match(headers, random);
//   if (route == nullptr) -> 404 (Envoy's NR)
//   switch (route->kind()):
//     kCluster:  name = route->clusterName(headers, random);
//                wc = route->pickWeightedCluster(random);
//                route->finalizeRequestHeaders(headers, info, wc); ... forward ...
//                route->applyResponseHeaderMutations(response, info, wc);
//     kRedirect: respond route->responseCode() with Location: route->location(headers)
//     kDirectResponse: respond route->directResponse()->status / body (+ location() if any)
//   and apply applyResponseHeaderMutations() to local responses too.
class RouteTable : public http::RouteConfig {
 public:
  // Validates and translates. Every field meshproxy does not implement is an InvalidArgument
  // naming it ("unsupported field ..."), as are Envoy's own rejections (bad regex, duplicate
  // domain, removing :path, ...).
  static absl::StatusOr<std::shared_ptr<const RouteTable>> create(
      const envoy::config::route::v3::RouteConfiguration& proto,
      const RouteTableOptions& options = {});

  const std::string& name() const { return name_; }

  // The virtual host for the request's :authority, or nullptr.
  const VirtualHost* findVirtualHost(const http::HeaderMap& request_headers) const {
    return index_.find(request_headers);
  }

  // The first matching route of the matching virtual host, or nullptr (no virtual host, no
  // route, or no :path). `random` is the stream's random value, for runtime_fraction; give
  // the same value to Route::clusterName().
  const Route* match(const http::HeaderMap& request_headers, uint64_t random) const override;
  bool disablesFilters() const override { return disables_filters_; }

  // internal_only_headers (lower case): the connection manager removes them from requests that
  // are not internal (Envoy: from external requests, before any filter).
  const std::vector<std::string>& internalOnlyHeaders() const { return internal_only_headers_; }
  void removeInternalOnlyHeaders(http::HeaderMap& request_headers) const override;

  // validate_clusters as configured; the caller decides the default (Envoy: true for a static
  // route_config, false for RDS) and then checks clusterNames() against the cluster manager.
  std::optional<bool> validateClusters() const { return validate_clusters_; }
  // Every cluster named by a route or weighted cluster, sorted, without duplicates.
  const std::vector<std::string>& clusterNames() const { return cluster_names_; }

  const std::vector<std::unique_ptr<VirtualHost>>& virtualHosts() const { return virtual_hosts_; }

 private:
  explicit RouteTable(bool ignore_port_in_host_matching) : index_(ignore_port_in_host_matching) {}

  std::string name_;
  RouteConfigCommon common_;
  std::vector<std::unique_ptr<VirtualHost>> virtual_hosts_;
  VirtualHostIndex index_;
  std::vector<std::string> internal_only_headers_;
  std::optional<bool> validate_clusters_;
  std::vector<std::string> cluster_names_;
  bool disables_filters_ = false;
};

}  // namespace meshproxy::route
