#pragma once

#include <string_view>

#include "xds/client/xds_stream.h"

namespace meshproxy::xds {

// The gRPC service a stream calls: ADS for an aggregated source (ads_config), or the type's own
// discovery service for an api_config_source (Envoy opens one stream per such subscription).
enum class DiscoveryService { kAggregated, kSecret, kListener, kCluster };

// The service for a type's api_config_source; kAggregated for a type with no service of its own
// here (the caller rejects that config).
DiscoveryService serviceForType(std::string_view type_url);
// "envoy.service.discovery.v3.AggregatedDiscoveryService", for logs and messages.
std::string_view serviceName(DiscoveryService service);

// The service's State-of-the-World method (StreamAggregatedResources, StreamSecrets, ...) and
// its delta method (DeltaAggregatedResources, DeltaSecrets, ...).
SotwStream::Open openSotw(DiscoveryService service);
DeltaStream::Open openDelta(DiscoveryService service);

}  // namespace meshproxy::xds
