#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "proxy/http/header_map.h"

// What the connection manager needs of routing. route/ (route tables, matching, actions) sits
// above http/ and implements these; filters that need the whole route (the router) use
// route::Route, which derives from http::Route.
namespace meshproxy::http {

class Route {
 public:
  virtual ~Route() = default;
  virtual const std::string& name() const = 0;
  // The route's idle_timeout: replaces the connection manager's stream_idle_timeout
  // (0 disables it); nullopt keeps the connection manager's.
  virtual std::optional<std::chrono::milliseconds> idleTimeout() const = 0;
};

// A route configuration (inline, or delivered by RDS), matched once per request.
class RouteConfig {
 public:
  virtual ~RouteConfig() = default;
  // The first matching route, or nullptr. `random` is the stream's random value.
  virtual const Route* match(const HeaderMap& request_headers, uint64_t random) const = 0;
};

using RouteConfigSharedPtr = std::shared_ptr<const RouteConfig>;

// RDS route configurations by name, as a worker sees them.
struct RouteConfigMap {
  absl::flat_hash_map<std::string, RouteConfigSharedPtr> tables;
};

}  // namespace meshproxy::http
