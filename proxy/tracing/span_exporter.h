#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/stats/counter.h"
#include "proxy/tracing/otlp_spans.h"
#include "proxy/tracing/span_buffer.h"
#include "proxy/tracing/tracer_provider_config.h"
#include "proxy/tracing/zipkin_json.h"

namespace meshproxy::tracing {

// One export call, ready for the wire: an HTTP POST of `body` to `path` on `cluster`, or, with
// `grpc`, the unary call opentelemetry.proto.collector.trace.v1.TraceService/Export whose
// request message is `body` (the transport adds the gRPC framing).
struct ExportRequest {
  std::string cluster;
  std::string authority;  // Host / :authority
  std::string path;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers / metadata
  std::chrono::milliseconds timeout{0};                      // 0: none
  bool grpc = false;
  std::string body;
};

// Sends export requests. Implemented over the worker's async HTTP / gRPC client; tests use a
// fake. `done(ok)` is called exactly once, on the worker loop, and never from inside send().
class SpanTransport {
 public:
  virtual ~SpanTransport() = default;
  virtual void send(ExportRequest request, std::function<void(bool ok)> done) = 0;
};

// Turns a batch into one ExportRequest, by provider:
//  - OpenTelemetry over HTTP: an ExportTraceServiceRequest in protobuf, POSTed to the path of
//    http_uri.uri with Content-Type application/x-protobuf (OTLP/HTTP), plus request_headers;
//  - OpenTelemetry over gRPC: the same message, grpc = true, path /opentelemetry.proto.collector
//    .trace.v1.TraceService/Export, the initial_metadata as headers;
//  - Zipkin: v2 JSON (application/json) or v2 proto (application/x-protobuf) to
//    collector_endpoint, Host collector_hostname or else the cluster name.
using SpanEncoder = std::function<ExportRequest(std::span<const Span>)>;

// Who this proxy is, for the Zipkin endpoint and the OTLP resource.
struct LocalTracerIdentity {
  std::string service_cluster;  // Zipkin localEndpoint.serviceName (Envoy: --service-cluster)
  std::string local_ip;         // Zipkin localEndpoint.ipv4/ipv6; empty: left out
};

// InvalidArgument when the provider exports nowhere (OpenTelemetry without grpc_service or
// http_service: Envoy then creates spans but sends none; callers skip the exporter).
absl::StatusOr<SpanEncoder> makeSpanEncoder(const TracerProviderConfig& provider,
                                            const LocalTracerIdentity& local);

// tracing.<provider>.* counters. Any may be null (not counted).
struct SpanExporterStats {
  stats::Counter* spans_sent = nullptr;     // spans in batches the collector accepted
  stats::Counter* spans_dropped = nullptr;  // buffer full, or in a batch the collector refused
  stats::Counter* reports_sent = nullptr;
  stats::Counter* reports_failed = nullptr;
  stats::Counter* timer_flushed = nullptr;  // exports started by the flush timer
};

// The per-worker export queue, loop-independent (SpanExportDriver runs it on a loop):
// finished spans go into a bounded SpanBuffer; at most one export is in flight, so a slow
// collector costs at most one batch plus the buffer in memory, and spans beyond the buffer are
// dropped and counted, never waited for. A failed export drops its batch (counted), as Envoy's
// tracers do: retrying would only let a dead collector hold memory longer.
class SpanExporter {
 public:
  SpanExporter(SpanEncoder encoder, SpanTransport& transport, SpanBufferOptions options,
               SpanExporterStats stats);
  ~SpanExporter();
  SpanExporter(const SpanExporter&) = delete;
  SpanExporter& operator=(const SpanExporter&) = delete;

  // The request path's only call: keeps the span (or drops and counts it). True when a flush
  // is due and none is in flight: the caller schedules flush() to run after the current
  // callbacks, so encoding never happens inside a request's processing.
  bool add(Span span);
  // Starts an export of the oldest spans, unless one is in flight or nothing waits. True when
  // one started.
  bool flush();
  // The periodic flush (counted as timer_flushed when it starts an export).
  void onTimer();

  bool inFlight() const { return in_flight_; }
  const SpanBuffer& buffer() const { return buffer_; }

 private:
  void onDone(size_t spans, bool ok);

  const SpanEncoder encoder_;
  SpanTransport& transport_;
  const SpanExporterStats stats_;
  SpanBuffer buffer_;
  bool in_flight_ = false;
  // Cleared on destruction so a transport completing later does not touch a dead exporter.
  std::shared_ptr<bool> alive_;
};

// Runs a SpanExporter on a worker loop: a repeating flush timer (Envoy's tracers flush every
// 5 s) and, when add() says a flush is due, a flush at the end of the current loop phase.
class SpanExportDriver : private DeferredFlush {
 public:
  SpanExportDriver(EventLoop& loop, SpanExporter& exporter,
                   std::chrono::milliseconds flush_interval = std::chrono::seconds(5));
  ~SpanExportDriver() override;

  void add(Span span);

 private:
  void flushDeferred() override;

  EventLoop& loop_;
  SpanExporter& exporter_;
  Timer timer_;
  bool scheduled_ = false;
};

}  // namespace meshproxy::tracing
