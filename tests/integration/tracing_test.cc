// Tracing end to end: two meshproxy hops (an OUTBOUND sidecar, then an INBOUND one) in front
// of an origin that echoes the headers it got, exporting to the collector stand-ins of
// tests/support/span_collectors.h. The spans must form one trace with the right parents; a
// dead collector must cost the requests nothing and count the spans it lost.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/span_collectors.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using tracing::Span;
using tracing::SpanKind;

constexpr char kExplicitH2[] =
    "    typed_extension_protocol_options:\n"
    "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
    "        \"@type\": "
    "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
    "        explicit_http_config: { http2_protocol_options: {} }\n";

std::string otelProvider() {
  return R"(            provider:
              name: envoy.tracers.opentelemetry
              typed_config:
                "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                service_name: SERVICE
                grpc_service:
                  envoy_grpc: { cluster_name: collector }
                  timeout: 2s
)";
}

std::string zipkinProvider() {
  return R"(            provider:
              name: envoy.tracers.zipkin
              typed_config:
                "@type": type.googleapis.com/envoy.config.trace.v3.ZipkinConfig
                collector_cluster: collector
                collector_endpoint: /api/v2/spans
                collector_endpoint_version: HTTP_JSON
)";
}

struct Hop {
  std::string node;
  std::string direction;  // INBOUND | OUTBOUND
  int upstream_port = 0;
  int collector_port = 0;
  bool collector_h2 = false;
  std::string provider;       // otelProvider() / zipkinProvider()
  std::string tracing_extra;  // more fields of `tracing` at 12-space indent
  std::string route_extra;    // more fields of the route at 16-space indent
  std::string access_log_path;
};

std::string hopYaml(const Hop& h, int port) {
  std::string yaml =
      absl::StrCat(R"(node: { id: )", h.node, R"(, cluster: )", h.node,
                   R"(-svc, locality: { zone: zone-a } }
static_resources:
  listeners:
  - name: main
    traffic_direction: )",
                   h.direction, R"(
    address: { socket_address: { address: 127.0.0.1, port_value: )",
                   port, R"( } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: hop
          tracing:
)",
                   h.tracing_extra, absl::StrReplaceAll(h.provider, {{"SERVICE", h.node}}));
  if (!h.access_log_path.empty()) {
    absl::StrAppend(&yaml, R"(          access_log:
          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: )",
                    h.access_log_path, R"(
              log_format:
                text_format_source:
                  inline_string: "%TRACE_ID% %REQ(X-REQUEST-ID)%\n"
)");
  }
  absl::StrAppend(&yaml, R"(          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: / }
                route: { cluster: next }
)",
                  h.route_extra, R"(          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: next
    connect_timeout: 1s
    load_assignment:
      cluster_name: next
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
                  h.upstream_port, R"( } } }
  - name: collector
    connect_timeout: 1s
)",
                  h.collector_h2 ? kExplicitH2 : "", R"(    load_assignment:
      cluster_name: collector
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: )",
                  h.collector_port, R"( } } }
)");
  return yaml;
}

struct RunningHop {
  int port = pickFreePort();
  std::unique_ptr<MeshproxyProcess> process;
  explicit RunningHop(const Hop& h) {
    process =
        std::make_unique<MeshproxyProcess>(hopYaml(h, port), MeshproxyOptions{.concurrency = 1});
  }
};

const Span* findSpan(const std::vector<Span>& spans, const std::string& node, SpanKind kind) {
  for (const auto& s : spans) {
    const std::string* n = s.findTag("node_id");
    if (n != nullptr && *n == node && s.kind == kind) return &s;
  }
  return nullptr;
}

std::string tag(const Span& s, std::string_view key) {
  const std::string* v = s.findTag(key);
  return v == nullptr ? "<none>" : *v;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TracingTest : public ::testing::Test {
 protected:
  TestServerProcess origin_{{.mode = "http", .name = "origin"}};
  TempDir dir_;
};

// client -> A (OUTBOUND, decorator "checkout") -> B (INBOUND, spawn_upstream_span) -> origin,
// OTLP over gRPC to the grpc++ TraceService stand-in.
TEST_F(TracingTest, OpenTelemetryGrpcSpansFormOneTraceAcrossTwoHops) {
  ASSERT_TRUE(origin_.ready());
  OtlpGrpcCollector collector;
  ASSERT_GT(collector.port(), 0);
  RunningHop b({.node = "b",
                .direction = "INBOUND",
                .upstream_port = origin_.port(),
                .collector_port = collector.port(),
                .collector_h2 = true,
                .provider = otelProvider(),
                .tracing_extra = "            spawn_upstream_span: true\n"});
  ASSERT_TRUE(b.process->ready());
  const std::string log = dir_.filePath("a.log");
  RunningHop a({.node = "a",
                .direction = "OUTBOUND",
                .upstream_port = b.port,
                .collector_port = collector.port(),
                .collector_h2 = true,
                .provider = otelProvider(),
                .route_extra = "                decorator: { operation: checkout }\n",
                .access_log_path = log});
  ASSERT_TRUE(a.process->ready());

  auto r = httpGet("127.0.0.1", a.port, "/cart");
  ASSERT_EQ(r.status, 200) << r.error;
  // What the origin got: B's upstream span as the parent, no decorator header.
  const std::string traceparent = jsonField(r.body, "traceparent");
  ASSERT_EQ(traceparent.size(), 55u) << r.body;
  EXPECT_EQ(jsonField(r.body, "x-envoy-decorator-operation"), "");

  // One span from A, two from B (server + upstream); the flush timer sends them within 5 s.
  ASSERT_TRUE(collector.store().waitForSpans(3, absl::Seconds(12)));
  auto spans = collector.store().spans();
  const Span* a_span = findSpan(spans, "a", SpanKind::kClient);
  ASSERT_NE(a_span, nullptr);
  const Span* b_server = findSpan(spans, "b", SpanKind::kServer);
  ASSERT_NE(b_server, nullptr);
  const Span* b_upstream = nullptr;
  for (const auto& s : spans) {
    if (tag(s, "node_id") == "b" && s.kind == SpanKind::kClient) b_upstream = &s;
  }
  ASSERT_NE(b_upstream, nullptr);

  EXPECT_EQ(a_span->parent_span_id, 0u);
  EXPECT_EQ(b_server->trace_id, a_span->trace_id);
  EXPECT_EQ(b_upstream->trace_id, a_span->trace_id);
  EXPECT_EQ(b_server->parent_span_id, a_span->span_id);
  EXPECT_EQ(b_upstream->parent_span_id, b_server->span_id);
  EXPECT_EQ(traceparent.substr(3, 32), tracing::traceIdToHex(a_span->trace_id));
  EXPECT_EQ(traceparent.substr(36, 16), tracing::spanIdToHex(b_upstream->span_id));
  EXPECT_EQ(traceparent.substr(53), "01");

  // Names: the decorator on A, carried to B in x-envoy-decorator-operation.
  EXPECT_EQ(a_span->name, "checkout");
  EXPECT_EQ(b_server->name, "checkout");
  EXPECT_EQ(b_upstream->name, "router next egress");
  // Envoy's tags.
  for (const Span* s : {a_span, b_server}) {
    EXPECT_EQ(tag(*s, "component"), "proxy");
    EXPECT_EQ(tag(*s, "http.method"), "GET");
    EXPECT_EQ(tag(*s, "http.status_code"), "200");
    EXPECT_EQ(tag(*s, "upstream_cluster"), "next");
    EXPECT_EQ(tag(*s, "response_flags"), "-");
    EXPECT_EQ(tag(*s, "zone"), "zone-a");
    EXPECT_THAT(tag(*s, "http.url"), ::testing::HasSubstr("/cart"));
    EXPECT_EQ(tag(*s, "peer.address"), "127.0.0.1");
  }
  // One x-request-id through the whole path, marked sampled ('9') by A.
  const std::string request_id = tag(*a_span, "guid:x-request-id");
  ASSERT_EQ(request_id.size(), 36u);
  EXPECT_EQ(request_id[14], '9');
  EXPECT_EQ(tag(*b_server, "guid:x-request-id"), request_id);
  EXPECT_EQ(jsonField(r.body, "x-request-id"), request_id);
  // %TRACE_ID% in A's access log.
  ASSERT_TRUE(waitUntil([&] { return !readFile(log).empty(); }, absl::Seconds(5)));
  EXPECT_EQ(readFile(log),
            absl::StrCat(tracing::traceIdToHex(a_span->trace_id), " ", request_id, "\n"));
  EXPECT_TRUE(a.process->waitForCounterAtLeast("tracing.opentelemetry.spans_sent", 1));
  EXPECT_EQ(a.process->counterValue("tracing.opentelemetry.spans_dropped"), 0);
}

// Zipkin v2 JSON over HTTP; shared_span_context (Envoy's default): B's server span is A's
// client span (same id, marked shared).
TEST_F(TracingTest, ZipkinJsonSpansShareTheCallersSpanAcrossTwoHops) {
  ASSERT_TRUE(origin_.ready());
  HttpSpanCollector collector;
  RunningHop b({.node = "b",
                .direction = "INBOUND",
                .upstream_port = origin_.port(),
                .collector_port = collector.port(),
                .provider = zipkinProvider()});
  ASSERT_TRUE(b.process->ready());
  RunningHop a({.node = "a",
                .direction = "OUTBOUND",
                .upstream_port = b.port,
                .collector_port = collector.port(),
                .provider = zipkinProvider()});
  ASSERT_TRUE(a.process->ready());

  auto r = httpGet("127.0.0.1", a.port, "/z");
  ASSERT_EQ(r.status, 200) << r.error;
  ASSERT_TRUE(collector.store().waitForSpans(2, absl::Seconds(12)))
      << "requests " << collector.store().requests() << ", A reports_failed "
      << a.process->counterValue("tracing.zipkin.reports_failed").value_or(-1) << ", A spans_sent "
      << a.process->counterValue("tracing.zipkin.spans_sent").value_or(-1);
  auto spans = collector.store().spans();
  const Span* a_span = findSpan(spans, "a", SpanKind::kClient);
  const Span* b_span = findSpan(spans, "b", SpanKind::kServer);
  ASSERT_NE(a_span, nullptr);
  ASSERT_NE(b_span, nullptr);
  EXPECT_EQ(collector.lastPath(), "/api/v2/spans");
  EXPECT_EQ(collector.lastContentType(), "application/json");
  EXPECT_EQ(a_span->trace_id.high, 0u);  // trace_id_128bit: false
  EXPECT_EQ(b_span->trace_id, a_span->trace_id);
  EXPECT_EQ(b_span->span_id, a_span->span_id);
  EXPECT_TRUE(b_span->shared);
  // B's B3 headers toward the origin: same trace, B's span (the shared one) as the parent.
  EXPECT_EQ(jsonField(r.body, "x-b3-traceid"), tracing::traceIdToHex(a_span->trace_id, 16));
  EXPECT_EQ(jsonField(r.body, "x-b3-spanid"), tracing::spanIdToHex(b_span->span_id));
  EXPECT_EQ(jsonField(r.body, "x-b3-sampled"), "1");
  // Zipkin names a span after the host.
  EXPECT_EQ(a_span->name, absl::StrCat("127.0.0.1:", a.port));
}

// OTLP/HTTP (protobuf POSTed to http_uri) and Zipkin v2 protobuf, one hop each.
TEST_F(TracingTest, OtlpHttpAndZipkinProtoExport) {
  ASSERT_TRUE(origin_.ready());
  HttpSpanCollector collector;
  const std::string otlp_http = absl::StrCat(R"(            provider:
              name: envoy.tracers.opentelemetry
              typed_config:
                "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
                service_name: SERVICE
                http_service:
                  http_uri: { uri: "http://127.0.0.1:)",
                                             collector.port(),
                                             R"(/v1/traces", cluster: collector, timeout: 2s }
)");
  RunningHop a({.node = "a",
                .direction = "INBOUND",
                .upstream_port = origin_.port(),
                .collector_port = collector.port(),
                .provider = otlp_http});
  ASSERT_TRUE(a.process->ready());
  ASSERT_EQ(httpGet("127.0.0.1", a.port, "/o").status, 200);
  ASSERT_TRUE(collector.store().waitForSpans(1, absl::Seconds(12)));
  EXPECT_EQ(collector.lastPath(), "/v1/traces");
  EXPECT_EQ(collector.lastContentType(), "application/x-protobuf");
  auto spans = collector.store().spans();
  EXPECT_EQ(spans[0].kind, SpanKind::kServer);
  EXPECT_EQ(spans[0].name, "ingress");
  EXPECT_EQ(tag(spans[0], "http.url"), absl::StrCat("http://127.0.0.1:", a.port, "/o"));

  HttpSpanCollector zipkin;
  RunningHop b({.node = "b",
                .direction = "INBOUND",
                .upstream_port = origin_.port(),
                .collector_port = zipkin.port(),
                .provider = absl::StrReplaceAll(zipkinProvider(), {{"HTTP_JSON", "HTTP_PROTO"}})});
  ASSERT_TRUE(b.process->ready());
  ASSERT_EQ(httpGet("127.0.0.1", b.port, "/p").status, 200);
  ASSERT_TRUE(zipkin.store().waitForSpans(1, absl::Seconds(12)));
  EXPECT_EQ(zipkin.lastContentType(), "application/x-protobuf");
  EXPECT_EQ(zipkin.store().spans()[0].kind, SpanKind::kServer);
  EXPECT_EQ(tag(zipkin.store().spans()[0], "http.method"), "GET");
}

// random_sampling 0: nothing is traced unless the client asks with x-client-trace-id, which
// marks x-request-id 'b' (ClientForced) as Envoy does.
TEST_F(TracingTest, SamplingFollowsRandomSamplingAndClientTraceId) {
  ASSERT_TRUE(origin_.ready());
  OtlpGrpcCollector collector;
  RunningHop a({.node = "a",
                .direction = "OUTBOUND",
                .upstream_port = origin_.port(),
                .collector_port = collector.port(),
                .collector_h2 = true,
                .provider = otelProvider(),
                .tracing_extra = "            random_sampling: { value: 0 }\n"});
  ASSERT_TRUE(a.process->ready());
  auto unsampled = httpGet("127.0.0.1", a.port, "/u");
  ASSERT_EQ(unsampled.status, 200);
  EXPECT_EQ(jsonField(unsampled.body, "x-request-id")[14], '4');
  EXPECT_EQ(jsonField(unsampled.body, "traceparent").substr(53), "00");
  auto forced = httpRequest("127.0.0.1", a.port, "GET", "/f", {{"x-client-trace-id", "abc"}});
  ASSERT_EQ(forced.status, 200);
  EXPECT_EQ(jsonField(forced.body, "x-request-id")[14], 'b');
  EXPECT_EQ(jsonField(forced.body, "traceparent").substr(53), "01");
  ASSERT_TRUE(collector.store().waitForSpans(1, absl::Seconds(12)));
  absl::SleepFor(absl::Milliseconds(300));
  auto spans = collector.store().spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(tag(spans[0], "guid:x-client-trace-id"), "abc");
}

// The collector's port is closed: every request still succeeds, at once, and the spans that
// could not be sent are counted as dropped.
TEST_F(TracingTest, CollectorDownLeavesRequestsAloneAndCountsDroppedSpans) {
  ASSERT_TRUE(origin_.ready());
  RunningHop a({.node = "a",
                .direction = "OUTBOUND",
                .upstream_port = origin_.port(),
                .collector_port = pickFreePort(),
                .collector_h2 = true,
                .provider = otelProvider()});
  ASSERT_TRUE(a.process->ready());
  for (int i = 0; i < 20; ++i) {
    auto r = httpGet("127.0.0.1", a.port, "/" + std::to_string(i), absl::Seconds(2));
    ASSERT_EQ(r.status, 200) << r.error;
  }
  EXPECT_TRUE(a.process->waitForCounterAtLeast("tracing.opentelemetry.spans_dropped", 5,
                                               absl::Seconds(12)));
  EXPECT_TRUE(a.process->waitForCounterAtLeast("tracing.opentelemetry.reports_failed", 1));
  EXPECT_EQ(a.process->counterValue("tracing.opentelemetry.spans_sent"), 0);
}

}  // namespace
}  // namespace meshproxy::testing
