#pragma once

#include <memory>

#include "envoy/config/route/v3/route.pb.h"
#include "proxy/route/route_table.h"
#include "proxy/server/resource_store.h"

namespace meshproxy::server {

// RDS: route configurations as route tables.
using RouteStore = ResourceStore<envoy::config::route::v3::RouteConfiguration,
                                 std::shared_ptr<const route::RouteTable>>;

// A route configuration waits for nothing; the clusters its routes name stay while it is used.
// A response may carry only some of the subscribed ones, and a later one with a name already
// seen replaces the earlier (as before the stores were generic).
class RouteResources : public ResourceType<envoy::config::route::v3::RouteConfiguration,
                                           std::shared_ptr<const route::RouteTable>> {
 public:
  std::string_view noun() const override { return "route configuration"; }
  std::string_view api() const override { return "RDS"; }
  absl::StatusOr<std::string> nameOf(const envoy::config::route::v3::RouteConfiguration& proto,
                                     size_t index) const override;
  absl::StatusOr<std::shared_ptr<const route::RouteTable>> translate(
      const envoy::config::route::v3::RouteConfiguration& proto) override;
  Dependencies dependencies(const std::shared_ptr<const route::RouteTable>& table) const override {
    return {.clusters = table->clusterNames()};
  }
  bool duplicateNamesRejected() const override { return false; }
};

}  // namespace meshproxy::server
