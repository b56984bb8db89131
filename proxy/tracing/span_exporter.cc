#include "proxy/tracing/span_exporter.h"

#include <utility>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "proxy/tracing/zipkin_proto.h"

namespace meshproxy::tracing {
namespace {

constexpr char kOtlpGrpcPath[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr char kProtobufContentType[] = "application/x-protobuf";

void inc(stats::Counter* c, uint64_t n = 1) {
  if (c != nullptr) c->add(n);
}

// "http://collector:4318/v1/traces" -> authority "collector:4318", path "/v1/traces".
std::pair<std::string, std::string> splitUri(const std::string& uri) {
  std::string_view rest = uri;
  if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {std::string(rest), "/"};
  return {std::string(rest.substr(0, slash)), std::string(rest.substr(slash))};
}

std::string otlpBody(std::span<const Span> spans, const OtlpResource& resource) {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  appendOtlpSpans(spans, resource, request);
  return request.SerializeAsString();
}

}  // namespace

absl::StatusOr<SpanEncoder> makeSpanEncoder(const TracerProviderConfig& provider,
                                            const LocalTracerIdentity& local) {
  if (const auto* otel = std::get_if<OpenTelemetryTracerConfig>(&provider.tracer)) {
    OtlpResource resource;
    resource.service_name = otel->service_name;
    resource.attributes = otel->resource_attributes;
    if (const auto* http = std::get_if<OtlpHttpExport>(&otel->exporter)) {
      ExportRequest base;
      base.cluster = http->cluster;
      std::tie(base.authority, base.path) = splitUri(http->uri);
      base.content_type = kProtobufContentType;
      base.headers = http->request_headers;
      base.timeout = http->timeout;
      return SpanEncoder([base, resource](std::span<const Span> spans) {
        ExportRequest r = base;
        r.body = otlpBody(spans, resource);
        return r;
      });
    }
    if (const auto* grpc = std::get_if<OtlpGrpcExport>(&otel->exporter)) {
      ExportRequest base;
      base.cluster = grpc->cluster_name;
      base.authority = grpc->authority.empty() ? grpc->cluster_name : grpc->authority;
      base.path = kOtlpGrpcPath;
      base.content_type = "application/grpc";
      base.headers = grpc->initial_metadata;
      base.timeout = grpc->timeout;
      base.grpc = true;
      return SpanEncoder([base, resource](std::span<const Span> spans) {
        ExportRequest r = base;
        r.body = otlpBody(spans, resource);
        return r;
      });
    }
    return absl::InvalidArgumentError(
        "opentelemetry: neither grpc_service nor http_service is set: spans are not exported");
  }
  const auto& zipkin = std::get<ZipkinTracerConfig>(provider.tracer);
  ExportRequest base;
  base.cluster = zipkin.collector_cluster;
  base.authority =
      zipkin.collector_hostname.empty() ? zipkin.collector_cluster : zipkin.collector_hostname;
  base.path = zipkin.collector_endpoint;
  const ZipkinEndpoint endpoint{local.service_cluster, local.local_ip, 0};
  if (zipkin.encoding == ZipkinEncoding::kProto) {
    base.content_type = kProtobufContentType;
    return SpanEncoder([base, endpoint](std::span<const Span> spans) {
      ExportRequest r = base;
      r.body = encodeZipkinProtoV2(spans, endpoint);
      return r;
    });
  }
  base.content_type = "application/json";
  return SpanEncoder([base, endpoint](std::span<const Span> spans) {
    ExportRequest r = base;
    r.body = encodeZipkinJsonV2(spans, endpoint);
    return r;
  });
}

SpanExporter::SpanExporter(SpanEncoder encoder, SpanTransport& transport, SpanBufferOptions options,
                           SpanExporterStats stats)
    : encoder_(std::move(encoder)),
      transport_(transport),
      stats_(stats),
      buffer_(options, stats.spans_dropped),
      alive_(std::make_shared<bool>(true)) {}

SpanExporter::~SpanExporter() { *alive_ = false; }

bool SpanExporter::add(Span span) {
  buffer_.add(std::move(span));
  return !in_flight_ && buffer_.flushDue();
}

bool SpanExporter::flush() {
  if (in_flight_ || buffer_.empty()) return false;
  std::vector<Span> batch = buffer_.takeBatch();
  ExportRequest request = encoder_(batch);
  in_flight_ = true;
  const size_t n = batch.size();
  std::weak_ptr<bool> alive = alive_;
  transport_.send(std::move(request), [this, alive, n](bool ok) {
    if (auto a = alive.lock(); a && *a) onDone(n, ok);
  });
  return true;
}

void SpanExporter::onTimer() {
  if (flush()) inc(stats_.timer_flushed);
}

void SpanExporter::onDone(size_t spans, bool ok) {
  in_flight_ = false;
  if (ok) {
    inc(stats_.reports_sent);
    inc(stats_.spans_sent, spans);
  } else {
    inc(stats_.reports_failed);
    inc(stats_.spans_dropped, spans);
  }
  // Spans that piled up while this export ran go out now rather than at the next tick.
  if (buffer_.flushDue()) flush();
}

SpanExportDriver::SpanExportDriver(EventLoop& loop, SpanExporter& exporter,
                                   std::chrono::milliseconds flush_interval)
    : loop_(loop), exporter_(exporter), timer_(loop.uv(), [this] { exporter_.onTimer(); }) {
  timer_.enableRepeating(flush_interval);
}

SpanExportDriver::~SpanExportDriver() {
  if (scheduled_) loop_.cancelFlush(this);
}

void SpanExportDriver::add(Span span) {
  if (exporter_.add(std::move(span)) && !scheduled_) {
    scheduled_ = true;
    loop_.scheduleFlush(this);
  }
}

void SpanExportDriver::flushDeferred() {
  scheduled_ = false;
  exporter_.flush();
}

}  // namespace meshproxy::tracing
