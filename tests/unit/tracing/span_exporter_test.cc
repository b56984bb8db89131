#include "proxy/tracing/span_exporter.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "proxy/tracing/zipkin_proto.h"

namespace meshproxy::tracing {
namespace {

// Records what would go on the wire; the test completes sends by hand.
class FakeTransport : public SpanTransport {
 public:
  void send(ExportRequest request, std::function<void(bool ok)> done) override {
    requests.push_back(std::move(request));
    pending.push_back(std::move(done));
  }
  void complete(bool ok) {
    auto done = std::move(pending.front());
    pending.erase(pending.begin());
    done(ok);
  }
  std::vector<ExportRequest> requests;
  std::vector<std::function<void(bool)>> pending;
};

Span sampledSpan(uint64_t id) {
  Span s;
  s.trace_id = {1, 2};
  s.span_id = id;
  s.name = "ingress";
  s.sampled = true;
  s.start = SystemTime{} + std::chrono::seconds(1);
  s.end = s.start + std::chrono::milliseconds(3);
  return s;
}

TracerProviderConfig zipkin(ZipkinEncoding encoding) {
  ZipkinTracerConfig z;
  z.collector_cluster = "zipkin";
  z.collector_endpoint = "/api/v2/spans";
  z.encoding = encoding;
  return {"envoy.tracers.zipkin", z};
}

struct Counters {
  stats::Counter sent{stats::StatName{"sent", "sent", {}}};
  stats::Counter dropped{stats::StatName{"dropped", "dropped", {}}};
  stats::Counter reports_sent{stats::StatName{"rs", "rs", {}}};
  stats::Counter reports_failed{stats::StatName{"rf", "rf", {}}};
  stats::Counter timer{stats::StatName{"t", "t", {}}};
  SpanExporterStats stats() { return {&sent, &dropped, &reports_sent, &reports_failed, &timer}; }
};

TEST(SpanEncoderTest, ZipkinJsonAndProto) {
  auto json = makeSpanEncoder(zipkin(ZipkinEncoding::kJson), {"productpage", "10.0.0.1"});
  ASSERT_TRUE(json.ok());
  const std::vector<Span> spans = {sampledSpan(7)};
  ExportRequest r = (*json)(spans);
  EXPECT_EQ(r.cluster, "zipkin");
  EXPECT_EQ(r.authority, "zipkin");
  EXPECT_EQ(r.path, "/api/v2/spans");
  EXPECT_EQ(r.content_type, "application/json");
  auto decoded = decodeZipkinJsonV2(r.body);
  ASSERT_TRUE(decoded.ok()) << r.body;
  EXPECT_EQ(decoded->at(0).span_id, 7u);

  auto proto = makeSpanEncoder(zipkin(ZipkinEncoding::kProto), {"productpage", ""});
  ASSERT_TRUE(proto.ok());
  r = (*proto)(spans);
  EXPECT_EQ(r.content_type, "application/x-protobuf");
  auto back = decodeZipkinProtoV2(r.body);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->at(0).span_id, 7u);
}

TEST(SpanEncoderTest, OtlpHttpAndGrpc) {
  OpenTelemetryTracerConfig otel;
  otel.service_name = "reviews";
  otel.exporter = OtlpHttpExport{
      "http://collector:4318/v1/traces", "otel", std::chrono::seconds(2), {{"authorization", "t"}}};
  auto http = makeSpanEncoder({"envoy.tracers.opentelemetry", otel}, {});
  ASSERT_TRUE(http.ok());
  const std::vector<Span> spans = {sampledSpan(9)};
  ExportRequest r = (*http)(spans);
  EXPECT_FALSE(r.grpc);
  EXPECT_EQ(r.cluster, "otel");
  EXPECT_EQ(r.authority, "collector:4318");
  EXPECT_EQ(r.path, "/v1/traces");
  EXPECT_EQ(r.content_type, "application/x-protobuf");
  EXPECT_EQ(r.timeout, std::chrono::seconds(2));
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest body;
  ASSERT_TRUE(body.ParseFromString(r.body));
  auto back = spansFromOtlp(body);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].span_id, 9u);
  EXPECT_EQ(body.resource_spans(0).resource().attributes(0).value().string_value(), "reviews");

  otel.exporter = OtlpGrpcExport{"otel", "", std::chrono::milliseconds(0), {}};
  auto grpc = makeSpanEncoder({"envoy.tracers.opentelemetry", otel}, {});
  ASSERT_TRUE(grpc.ok());
  r = (*grpc)(spans);
  EXPECT_TRUE(r.grpc);
  EXPECT_EQ(r.path, "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  EXPECT_EQ(r.authority, "otel");

  otel.exporter = std::monostate{};
  EXPECT_FALSE(makeSpanEncoder({"envoy.tracers.opentelemetry", otel}, {}).ok());
}

TEST(SpanExporterTest, OneExportInFlightBoundedBufferDropsAndCounts) {
  FakeTransport transport;
  Counters c;
  auto encoder = makeSpanEncoder(zipkin(ZipkinEncoding::kJson), {"svc", ""});
  ASSERT_TRUE(encoder.ok());
  SpanExporter exporter(*encoder, transport, {.max_spans = 4, .min_flush_spans = 2, .max_batch = 3},
                        c.stats());

  EXPECT_FALSE(exporter.add(sampledSpan(1)));
  EXPECT_TRUE(exporter.add(sampledSpan(2))) << "min_flush_spans reached";
  EXPECT_TRUE(transport.requests.empty()) << "add() never exports by itself";
  EXPECT_TRUE(exporter.flush());
  ASSERT_EQ(transport.requests.size(), 1u);
  EXPECT_TRUE(exporter.inFlight());

  // The collector hangs: the buffer fills to max_spans, then spans are dropped and counted.
  for (uint64_t i = 3; i < 10; ++i) EXPECT_FALSE(exporter.add(sampledSpan(i)));
  EXPECT_FALSE(exporter.flush()) << "one export at a time";
  EXPECT_EQ(exporter.buffer().size(), 4u);
  EXPECT_EQ(c.dropped.value(), 3u);

  // It fails: the batch is dropped and counted, and the backlog goes out at once.
  transport.complete(false);
  EXPECT_EQ(c.reports_failed.value(), 1u);
  EXPECT_EQ(c.dropped.value(), 5u);
  ASSERT_EQ(transport.requests.size(), 2u);
  auto second = decodeZipkinJsonV2(transport.requests[1].body);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 3u) << "max_batch";
  EXPECT_EQ(second->front().span_id, 3u) << "oldest first";

  transport.complete(true);
  EXPECT_EQ(c.reports_sent.value(), 1u);
  EXPECT_EQ(c.sent.value(), 3u);
  // One span left, below min_flush_spans: it waits for the timer.
  EXPECT_FALSE(exporter.inFlight());
  exporter.onTimer();
  EXPECT_EQ(c.timer.value(), 1u);
  transport.complete(true);
  EXPECT_EQ(c.sent.value(), 4u);
  exporter.onTimer();
  EXPECT_EQ(c.timer.value(), 1u) << "nothing to send: not counted";
}

TEST(SpanExporterTest, UnsampledSpansAreNotKept) {
  FakeTransport transport;
  auto encoder = makeSpanEncoder(zipkin(ZipkinEncoding::kJson), {"svc", ""});
  SpanExporter exporter(*encoder, transport, {}, {});
  Span s = sampledSpan(1);
  s.sampled = false;
  exporter.add(s);
  EXPECT_TRUE(exporter.buffer().empty());
}

TEST(SpanExporterTest, CompletionAfterDestructionIsIgnored) {
  FakeTransport transport;
  auto encoder = makeSpanEncoder(zipkin(ZipkinEncoding::kJson), {"svc", ""});
  {
    SpanExporter exporter(*encoder, transport, {.min_flush_spans = 1}, {});
    exporter.add(sampledSpan(1));
    ASSERT_TRUE(exporter.flush());
  }
  transport.complete(true);  // must not touch the destroyed exporter (ASan would catch it)
}

TEST(SpanExportDriverTest, FlushRunsAfterTheCurrentCallbackOnTheLoop) {
  EventLoop loop;
  FakeTransport transport;
  auto encoder = makeSpanEncoder(zipkin(ZipkinEncoding::kJson), {"svc", ""});
  SpanExporter exporter(*encoder, transport, {.min_flush_spans = 2}, {});
  // The driver (and its timer) lives and dies on the loop, as on a worker.
  std::optional<SpanExportDriver> driver;
  size_t seen_inside = 99;
  size_t seen_after = 99;
  loop.post([&] {
    driver.emplace(loop, exporter, std::chrono::hours(1));
    driver->add(sampledSpan(1));
    driver->add(sampledSpan(2));
    seen_inside = transport.requests.size();
    loop.post([&] {
      seen_after = transport.requests.size();
      driver.reset();
      loop.stop();
    });
  });
  loop.run();
  EXPECT_EQ(seen_inside, 0u) << "not exported inside the request's callback";
  EXPECT_EQ(seen_after, 1u);
}

}  // namespace
}  // namespace meshproxy::tracing
