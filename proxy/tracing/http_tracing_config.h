#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/tracing/custom_tags.h"
#include "proxy/tracing/sampling_decision.h"
#include "proxy/tracing/tracer_provider_config.h"

namespace meshproxy::tracing {

// The HTTP connection manager's `tracing` block, translated (tracing_config_translator.h).
struct HttpTracingConfig {
  SamplingConfig sampling;
  bool verbose = false;
  // Envoy's default: the path part of http.url is cut to 256 characters.
  uint32_t max_path_tag_length = 256;
  std::vector<CustomTag> custom_tags;
  // The router creates a CLIENT span per upstream request. Envoy's default is false; with it
  // unset, Envoy also spawns one when the HCM is not the only tracer on the path (it cannot know
  // that), so meshproxy keeps false.
  bool spawn_upstream_span = false;
  // tracing.provider; nullopt: the bootstrap's tracing.http applies (or none: spans are not
  // exported, but the decision and propagation still happen).
  std::optional<TracerProviderConfig> provider;
};

// A route's `tracing` (envoy.config.route.v3.Tracing): each set field overrides the HCM's.
struct RouteTracingConfig {
  std::optional<SamplingFraction> client;
  std::optional<SamplingFraction> random;
  std::optional<SamplingFraction> overall;
  std::vector<CustomTag> custom_tags;

  // The sampling to use for a request on this route.
  SamplingConfig apply(const SamplingConfig& hcm) const {
    SamplingConfig out = hcm;
    if (client) out.client = *client;
    if (random) out.random = *random;
    if (overall) out.overall = *overall;
    return out;
  }
};

}  // namespace meshproxy::tracing
