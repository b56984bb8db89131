#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/tracing/http_tracer.h"

namespace envoy::extensions::filters::network::http_connection_manager::v3 {
class HttpConnectionManager_Tracing;
}

namespace meshproxy::filters::hcm {

// The HCM's `tracing` block with the provider it resolves to (tracing.provider, else the
// bootstrap's tracing.http, else none), its tracing.<opentelemetry|zipkin>.* counters and the
// listener's direction (context.traffic_direction: INBOUND is ingress, anything else egress).
absl::StatusOr<std::shared_ptr<const tracing::HttpTracer>> translateHcmTracer(
    const envoy::extensions::filters::network::http_connection_manager::v3::
        HttpConnectionManager_Tracing& proto,
    config::TranslationContext& context);

}  // namespace meshproxy::filters::hcm
