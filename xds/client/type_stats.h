#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/stats/scope.h"

namespace meshproxy::xds {

// The update counters of one xDS type, as Envoy names them (cluster_manager.cds.*,
// listener_manager.lds.*, control_plane.{rds,eds,sds}.*). Every source of a type (ADS, a file,
// an api_config_source) counts into the same ones.
struct TypeStats {
  TypeStats(const stats::Scope& root, std::string_view type_url);

  stats::Counter& update_attempt;
  stats::Counter& update_success;
  stats::Counter& update_rejected;
  stats::Gauge& version;  // hash of the last accepted version

  void accepted(const std::string& version_info);
};

// The order of initial requests on a stream, as Envoy sends them: clusters, endpoints,
// listeners, routes, then the rest.
int typeOrder(std::string_view type_url);

}  // namespace meshproxy::xds
