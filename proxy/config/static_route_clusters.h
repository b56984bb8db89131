#pragma once

#include "absl/status/status.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"

namespace meshproxy::config {

// Envoy's validate_clusters for static listeners: a route of an inline route_config that names
// a cluster (route.cluster, weighted_clusters.clusters[].name) the bootstrap does not define
// rejects the bootstrap ("route: unknown cluster 'X'"), unless the route configuration sets
// validate_clusters: false (the default for an inline table is true; clusters that CDS brings
// later do not count, as in Envoy, whose static listeners are built before CDS answers).
absl::Status checkStaticRouteClusters(const envoy::config::bootstrap::v3::Bootstrap& bootstrap);

}  // namespace meshproxy::config
