#include "proxy/filters/network/http_connection_manager/hcm_tracing.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "envoy/config/trace/v3/http_tracer.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"
#include "proxy/core/name_slots.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/tracing/tracing_config_translator.h"

namespace meshproxy::filters::hcm {
namespace {

// One slot per distinct provider config (and proxy identity): every worker keeps one export
// queue per slot, shared by the connection managers that configure the same provider.
NameSlots& tracerSlots() {
  static NameSlots slots;
  return slots;
}

absl::StatusOr<std::shared_ptr<const tracing::Tracer>> makeTracer(
    const envoy::config::trace::v3::Tracing_Http& proto, config::TranslationContext& context) {
  auto provider = tracing::translateTracingProvider(proto);
  if (!provider.ok()) return provider.status();
  auto t = std::make_shared<tracing::Tracer>();
  std::string stat_name;
  if (const auto* zipkin = std::get_if<tracing::ZipkinTracerConfig>(&provider->tracer)) {
    t->propagation = tracing::Propagation::kB3;
    t->name_by_host = true;
    t->trace_id_128bit = zipkin->trace_id_128bit;
    t->shared_span_context = zipkin->shared_span_context;
    stat_name = "zipkin";
    if (context.dependencies != nullptr) {
      context.dependencies->clusters.push_back(zipkin->collector_cluster);
    }
  } else {
    const auto& otel = std::get<tracing::OpenTelemetryTracerConfig>(provider->tracer);
    stat_name = "opentelemetry";
    std::string cluster;
    if (const auto* grpc = std::get_if<tracing::OtlpGrpcExport>(&otel.exporter)) {
      cluster = grpc->cluster_name;
    } else if (const auto* http = std::get_if<tracing::OtlpHttpExport>(&otel.exporter)) {
      cluster = http->cluster;
    }
    if (!cluster.empty() && context.dependencies != nullptr) {
      context.dependencies->clusters.push_back(cluster);
    }
  }
  auto encoder = tracing::makeSpanEncoder(
      *provider, tracing::LocalTracerIdentity{.service_cluster = context.node_cluster});
  // No exporter (OpenTelemetry without grpc_service/http_service): spans are made and
  // propagated, not sent, as in Envoy.
  if (encoder.ok()) t->encoder = std::move(*encoder);
  stats::Scope scope = context.stats.rootScope().scope("tracing").scope(stat_name);
  t->stats = tracing::SpanExporterStats{.spans_sent = &scope.counter("spans_sent"),
                                        .spans_dropped = &scope.counter("spans_dropped"),
                                        .reports_sent = &scope.counter("reports_sent"),
                                        .reports_failed = &scope.counter("reports_failed"),
                                        .timer_flushed = &scope.counter("timer_flushed")};
  std::string key;
  proto.SerializeToString(&key);
  t->slot = tracerSlots().intern(absl::StrCat(context.node_cluster, "\n", key));
  return std::shared_ptr<const tracing::Tracer>(std::move(t));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const tracing::HttpTracer>> translateHcmTracer(
    const envoy::extensions::filters::network::http_connection_manager::v3::
        HttpConnectionManager_Tracing& proto,
    config::TranslationContext& context) {
  auto config = tracing::translateHcmTracing(proto);
  if (!config.ok()) return config.status();
  auto out = std::make_shared<tracing::HttpTracer>();
  out->config = std::move(*config);
  out->egress = context.traffic_direction != 1;
  out->local = tracing::LocalTracingInfo{.node_id = context.node_id, .zone = context.node_zone};
  const envoy::config::trace::v3::Tracing_Http* provider =
      proto.has_provider() ? &proto.provider() : context.bootstrap_tracing;
  if (provider != nullptr) {
    auto tracer = makeTracer(*provider, context);
    if (!tracer.ok()) return protobuf::withContext(tracer.status(), "provider");
    out->tracer = std::move(*tracer);
  }
  return std::shared_ptr<const tracing::HttpTracer>(std::move(out));
}

}  // namespace meshproxy::filters::hcm
