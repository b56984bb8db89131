#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/core/event_loop.h"
#include "proxy/http/header_map.h"
#include "proxy/tracing/http_tracing_config.h"

namespace google::protobuf {
class Any;
}
namespace envoy::config::core::v3 {
class Metadata;
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

// RouteAction.MaxStreamDuration, translated. Its presence is Envoy's "new timeouts": the
// route's `timeout` no longer applies (the router leaves the stream to these).
struct StreamDurationPolicy {
  // The stream ends (408 before the request is complete, else 504; a reset once the response
  // started) this long after it began. Unset: the connection manager's; 0: no limit.
  std::optional<std::chrono::milliseconds> max_stream_duration;
  // Set: a request's grpc-timeout header replaces max_stream_duration, capped at this (0: no
  // cap), less grpc_timeout_header_offset.
  std::optional<std::chrono::milliseconds> grpc_timeout_header_max;
  std::optional<std::chrono::milliseconds> grpc_timeout_header_offset;
};

class Route {
 public:
  virtual ~Route() = default;
  virtual const std::string& name() const = 0;
  // Route.metadata as configured (filter_metadata, typed_filter_metadata); nullptr when the
  // route sets none. For filters and logs that read route metadata (RBAC, access logs,
  // tracing's metadata custom tags); look a namespace up with protobuf::filterMetadata().
  virtual const envoy::config::core::v3::Metadata* metadata() const { return nullptr; }
  // The route's idle_timeout: replaces the connection manager's stream_idle_timeout
  // (0 disables it); nullopt keeps the connection manager's.
  virtual std::optional<std::chrono::milliseconds> idleTimeout() const = 0;
  // RouteAction.max_stream_duration; nullptr when the route has none (the connection
  // manager's common_http_protocol_options.max_stream_duration applies).
  virtual const StreamDurationPolicy* streamDuration() const { return nullptr; }
  // The per-route config of the HTTP filter configured as `filter_name`, most specific level
  // first: the weighted cluster `random` picks (pick with the same value as routing does),
  // the route, its virtual host, the route configuration. nullptr when none says anything.
  virtual const RouteSpecificFilterConfig* mostSpecificPerFilterConfig(std::string_view filter_name,
                                                                       uint64_t random) const {
    (void)filter_name;
    (void)random;
    return nullptr;
  }
  // The value that picks a weighted cluster for this request: `random` (the stream's), unless
  // the route's weighted_clusters.header_name says to take it from a request header.
  virtual uint64_t weightedClusterValue(const HeaderMap* request_headers, uint64_t random) const {
    (void)request_headers;
    return random;
  }
  // FilterConfig.disabled for `filter_name` at the most specific level that mentions it
  // (route, virtual host, route configuration): the filter is left out of the stream's chain.
  virtual bool filterDisabled(std::string_view filter_name) const {
    (void)filter_name;
    return false;
  }
  // The route's `tracing` overrides (sampling, custom tags); nullptr when it has none.
  virtual const tracing::RouteTracingConfig* tracing() const { return nullptr; }
  // decorator.operation (empty: no decorator) and decorator.propagate.
  virtual std::string_view decoratorOperation() const { return {}; }
  virtual bool decoratorPropagate() const { return true; }
};

// A route configuration (inline, or delivered by RDS), matched once per request.
class RouteConfig {
 public:
  virtual ~RouteConfig() = default;
  // The first matching route, or nullptr. `random` is the stream's random value.
  virtual const Route* match(const HeaderMap& request_headers, uint64_t random) const = 0;
  // Some level disables some filter: the route must be known before the filter chain is made.
  virtual bool disablesFilters() const { return false; }
  // Removes internal_only_headers from a request that is not internal.
  virtual void removeInternalOnlyHeaders(HeaderMap& request_headers) const {
    (void)request_headers;
  }
};

using RouteConfigSharedPtr = std::shared_ptr<const RouteConfig>;

// RDS route configurations by name, as a snapshot holds them.
struct RouteConfigMap {
  absl::flat_hash_map<std::string, RouteConfigSharedPtr> tables;
};

// One worker's RDS tables from one snapshot, by slot (routeConfigSlots(): the connection
// manager's config carries the slot of the name it routes with), so a request finds its table
// by a vector index. A stream that routes with one of them pins the whole set (a plain
// counter on the worker's own object, no atomics) instead of copying the table's shared_ptr,
// whose count every worker would bump per request. When a snapshot replaces a pinned set, the
// worker retires it; the set (and the snapshot it keeps) goes with its last pin.
class WorkerRouteTables : public DeferredDeletable {
 public:
  // Told when a retired set lost its last pin (the worker deletes it, deferred).
  class Releaser {
   public:
    virtual void onReleased(WorkerRouteTables& tables) = 0;

   protected:
    ~Releaser() = default;
  };

  // `map` must live as long as `keep_alive` (the snapshot that holds it).
  WorkerRouteTables(Releaser& releaser, std::shared_ptr<const void> keep_alive,
                    const RouteConfigMap& map);

  const RouteConfig* get(uint32_t slot) const {
    return slot < by_slot_.size() ? by_slot_[slot] : nullptr;
  }
  uint32_t pins() const { return pins_; }
  bool retired() const { return retired_; }
  void retire() { retired_ = true; }

 private:
  friend class RouteTablesPin;
  void unpin() {
    if (--pins_ == 0 && retired_) releaser_.onReleased(*this);
  }

  Releaser& releaser_;
  std::shared_ptr<const void> keep_alive_;
  std::vector<const RouteConfig*> by_slot_;
  uint32_t pins_ = 0;
  bool retired_ = false;
};

// Keeps a WorkerRouteTables (and so the tables it points at) alive. Move-only.
class RouteTablesPin {
 public:
  RouteTablesPin() = default;
  explicit RouteTablesPin(WorkerRouteTables& tables) : tables_(&tables) { ++tables.pins_; }
  RouteTablesPin(RouteTablesPin&& other) noexcept
      : tables_(std::exchange(other.tables_, nullptr)) {}
  RouteTablesPin& operator=(RouteTablesPin&& other) noexcept {
    if (this != &other) {
      reset();
      tables_ = std::exchange(other.tables_, nullptr);
    }
    return *this;
  }
  RouteTablesPin(const RouteTablesPin&) = delete;
  RouteTablesPin& operator=(const RouteTablesPin&) = delete;
  ~RouteTablesPin() { reset(); }

  void reset() {
    if (tables_ != nullptr) std::exchange(tables_, nullptr)->unpin();
  }

 private:
  WorkerRouteTables* tables_ = nullptr;
};

}  // namespace meshproxy::http
