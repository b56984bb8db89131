#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/http/header_map.h"

namespace google::protobuf {
class Any;
}

// What the connection manager needs of routing. route/ (route tables, matching, actions) sits
// above http/ and implements these; filters that need the whole route (the router) use
// route::Route, which derives from http::Route.
namespace meshproxy::http {

// A filter's per-route config (typed_per_filter_config), translated once at config time by the
// translator the filter registered for its per-route type URL; the filter downcasts it to its
// own type (Envoy's Router::RouteSpecificFilterConfig).
class RouteSpecificFilterConfig {
 public:
  virtual ~RouteSpecificFilterConfig() = default;
};
using RouteSpecificFilterConfigSharedPtr = std::shared_ptr<const RouteSpecificFilterConfig>;

// Translates one typed_per_filter_config value (the filter's per-route proto).
using PerFilterConfigTranslator =
    std::function<absl::StatusOr<RouteSpecificFilterConfigSharedPtr>(const google::protobuf::Any&)>;
// The translator for a per-route type URL, nullptr when none is registered. Route tables get
// this from config/ (the extension registry); route/ itself knows no filter.
using FindPerFilterConfigTranslator =
    std::function<const PerFilterConfigTranslator*(std::string_view type_url)>;

class Route {
 public:
  virtual ~Route() = default;
  virtual const std::string& name() const = 0;
  // The route's idle_timeout: replaces the connection manager's stream_idle_timeout
  // (0 disables it); nullopt keeps the connection manager's.
  virtual std::optional<std::chrono::milliseconds> idleTimeout() const = 0;
  // The per-route config of the HTTP filter configured as `filter_name`, most specific level
  // first: the weighted cluster `random` picks (pick with the same value as routing does),
  // the route, its virtual host, the route configuration. nullptr when none says anything.
  virtual const RouteSpecificFilterConfig* mostSpecificPerFilterConfig(std::string_view filter_name,
                                                                       uint64_t random) const {
    (void)filter_name;
    (void)random;
    return nullptr;
  }
  // FilterConfig.disabled for `filter_name` at the most specific level that mentions it
  // (route, virtual host, route configuration): the filter is left out of the stream's chain.
  virtual bool filterDisabled(std::string_view filter_name) const {
    (void)filter_name;
    return false;
  }
};

// A route configuration (inline, or delivered by RDS), matched once per request.
class RouteConfig {
 public:
  virtual ~RouteConfig() = default;
  // The first matching route, or nullptr. `random` is the stream's random value.
  virtual const Route* match(const HeaderMap& request_headers, uint64_t random) const = 0;
  // Some level disables some filter: the route must be known before the filter chain is made.
  virtual bool disablesFilters() const { return false; }
};

using RouteConfigSharedPtr = std::shared_ptr<const RouteConfig>;

// RDS route configurations by name, as a worker sees them.
struct RouteConfigMap {
  absl::flat_hash_map<std::string, RouteConfigSharedPtr> tables;
};

}  // namespace meshproxy::http
