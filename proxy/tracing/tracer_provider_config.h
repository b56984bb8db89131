#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace meshproxy::tracing {

// Where OTLP goes: gRPC (TraceService/Export over envoy_grpc.cluster_name) or HTTP (a POST of
// the protobuf ExportTraceServiceRequest to http_uri on its cluster).
struct OtlpGrpcExport {
  std::string cluster_name;
  std::string authority;                 // empty: the cluster name, as Envoy's envoy_grpc does
  std::chrono::milliseconds timeout{0};  // 0: none
  std::vector<std::pair<std::string, std::string>> initial_metadata;
};
struct OtlpHttpExport {
  std::string uri;  // full URI; its path is the request path (default /v1/traces)
  std::string cluster;
  std::chrono::milliseconds timeout{0};
  std::vector<std::pair<std::string, std::string>> request_headers;
};

// envoy.tracers.opentelemetry (envoy.config.trace.v3.OpenTelemetryConfig).
struct OpenTelemetryTracerConfig {
  std::variant<std::monostate, OtlpGrpcExport, OtlpHttpExport> exporter;
  std::string service_name = "unknown_service:envoy";  // Envoy's default
  // Resource attributes besides service.name (from the environment resource detector:
  // OTEL_RESOURCE_ATTRIBUTES, read once at config time).
  std::vector<std::pair<std::string, std::string>> resource_attributes;
};

// Zipkin v2 over HTTP: JSON (collector_endpoint_version HTTP_JSON, or unset) or protobuf
// (HTTP_PROTO). GRPC is refused at translation.
enum class ZipkinEncoding { kJson, kProto };

// envoy.tracers.zipkin (envoy.config.trace.v3.ZipkinConfig).
struct ZipkinTracerConfig {
  std::string collector_cluster;
  std::string collector_endpoint;  // request path, e.g. /api/v2/spans
  std::string collector_hostname;  // Host header; empty: the cluster name
  bool trace_id_128bit = false;
  bool shared_span_context = true;  // Envoy's default
  ZipkinEncoding encoding = ZipkinEncoding::kJson;
};

struct TracerProviderConfig {
  std::string name;  // the extension name as configured ("envoy.tracers.zipkin")
  std::variant<OpenTelemetryTracerConfig, ZipkinTracerConfig> tracer;
};

}  // namespace meshproxy::tracing
