// The xDS resource type URLs mesh-control knows by name. Any other type a file declares with
// its `@type` is served too; these are the ones with protocol rules of their own.
#pragma once

#include <string_view>

namespace meshproxy::xds_server {

inline constexpr std::string_view kListenerType =
    "type.googleapis.com/envoy.config.listener.v3.Listener";
inline constexpr std::string_view kClusterType =
    "type.googleapis.com/envoy.config.cluster.v3.Cluster";
inline constexpr std::string_view kRouteConfigurationType =
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
inline constexpr std::string_view kClusterLoadAssignmentType =
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
inline constexpr std::string_view kSecretType =
    "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

// LDS and CDS are the "global" discovery types: an empty resource_names list subscribes to every
// resource of the type (the protocol's legacy wildcard). Any other type needs names or "*".
bool isLegacyWildcardType(std::string_view type_url);

// When several types change at once, responses go out in this order (lower first), as the
// protocol doc asks: clusters before their endpoints, both before the listeners that use them,
// listeners before their routes. Secrets come before listeners; types without a rule go last.
int pushOrder(std::string_view type_url);

// "LDS", "CDS", "RDS", "EDS", "SDS" for the five above; the message name after the last '.' of
// the type URL for others. For logs and the status table.
std::string_view shortTypeName(std::string_view type_url);

}  // namespace meshproxy::xds_server
