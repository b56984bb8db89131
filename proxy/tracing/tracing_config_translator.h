#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "proxy/tracing/custom_tags.h"
#include "proxy/tracing/http_tracing_config.h"
#include "proxy/tracing/tracer_provider_config.h"

namespace envoy::config::route::v3 {
class Tracing;
}
namespace envoy::config::trace::v3 {
class Tracing_Http;
}
namespace envoy::extensions::filters::network::http_connection_manager::v3 {
class HttpConnectionManager_Tracing;
}
namespace envoy::type::tracing::v3 {
class CustomTag;
}
namespace google::protobuf {
template <typename T>
class RepeatedPtrField;
}

namespace meshproxy::tracing {

// Config translation for tracing, once on the main thread. Every field is translated or refused
// by name (InvalidArgument "unsupported field '...'"), as everywhere in meshproxy.

// The HCM's `tracing` block. Sampling percentages become fractions as Envoy converts them
// (sampling_decision.h); `provider`, when set, goes through translateTracingProvider.
absl::StatusOr<HttpTracingConfig> translateHcmTracing(
    const envoy::extensions::filters::network::http_connection_manager::v3::
        HttpConnectionManager_Tracing& proto);

// A route's `tracing` overrides.
absl::StatusOr<RouteTracingConfig> translateRouteTracing(
    const envoy::config::route::v3::Tracing& proto);

// A tracer (bootstrap tracing.http, or the HCM's tracing.provider), chosen by the typed_config's
// type URL: envoy.config.trace.v3.OpenTelemetryConfig or ZipkinConfig. Any other tracer is
// "unsupported extension 'NAME' (TYPE_URL)". TypedStructs must have been unwrapped (the bootstrap
// loader and the xDS path do).
//  - OpenTelemetry: grpc_service (envoy_grpc: cluster_name, authority; timeout;
//    initial_metadata) or http_service (http_uri: uri, cluster, timeout;
//    request_headers_to_add: header only), service_name, resource_detectors
//    (envoy.tracers.opentelemetry.resource_detectors.environment: OTEL_RESOURCE_ATTRIBUTES read
//    now; .static_config: its attributes). Neither exporter set: spans are not exported, as in
//    Envoy. `sampler` is refused.
//  - Zipkin: collector_cluster and collector_endpoint (required), collector_hostname,
//    trace_id_128bit, shared_span_context (default true), collector_endpoint_version HTTP_JSON
//    (unset counts as HTTP_JSON) or HTTP_PROTO; GRPC is refused by name.
absl::StatusOr<TracerProviderConfig> translateTracingProvider(
    const envoy::config::trace::v3::Tracing_Http& proto);

// custom_tags entries; an environment tag reads its variable now.
absl::StatusOr<std::vector<CustomTag>> translateCustomTags(
    const google::protobuf::RepeatedPtrField<envoy::type::tracing::v3::CustomTag>& proto);

// OTEL_RESOURCE_ATTRIBUTES syntax: "k1=v1,k2=v2", keys and values percent-decoded, surrounding
// spaces trimmed. InvalidArgument for a member without '=' or an empty key.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> parseOtelResourceAttributes(
    std::string_view value);

}  // namespace meshproxy::tracing
