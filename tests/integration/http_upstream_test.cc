// Upstream behaviour of the HTTP path: DNS clusters, connection reuse limits, load balancing,
// access logs and stats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/http_test_util.h"
#include "tests/support/tcp_client.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

TEST(HttpUpstreamTest, StrictDnsClusterResolvesItsName) {
  TestServerProcess upstream({.mode = "http", .name = "dns"});
  ASSERT_TRUE(upstream.ready());
  int port = pickFreePort();
  std::string yaml = httpBootstrapYaml({.listener_port = port, .clusters = {{.name = "named", .ports = {}}}});
  // A STRICT_DNS endpoint by name instead of the empty STATIC one.
  std::string cluster = "  - name: named\n    connect_timeout: 1s\n    type: STRICT_DNS\n"
                        "    dns_lookup_family: V4_ONLY\n    dns_refresh_rate: 1s\n"
                        "    load_assignment:\n      cluster_name: named\n      endpoints:\n"
                        "      - lb_endpoints:\n        - endpoint: { address: { socket_address: "
                        "{ address: localhost, port_value: " + std::to_string(upstream.port()) + " } } }\n";
  yaml = yaml.substr(0, yaml.find("  - name: named")) + cluster;
  MeshproxyProcess proxy(yaml, {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  auto r = httpGet("127.0.0.1", port, "/");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "server"), "dns");
  EXPECT_EQ(proxy.counterValue("cluster.named.membership_total"), 1);
  EXPECT_THAT(proxy.adminGet("/clusters").body, HasSubstr("named::127.0.0.1:" + std::to_string(upstream.port()) + "::hostname::localhost"));
}

TEST(HttpUpstreamTest, MaxRequestsPerConnectionRetiresConnections) {
  TestServerProcess upstream({.mode = "http"});
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy({.clusters = {{.name = "b",
                                 .ports = {upstream.port()},
                                 .extra = "    typed_extension_protocol_options:\n"
                                          "      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:\n"
                                          "        \"@type\": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions\n"
                                          "        common_http_protocol_options: { max_requests_per_connection: 2 }\n"
                                          "        explicit_http_config: { http_protocol_options: {} }\n"}}});
  ASSERT_TRUE(proxy.ready());
  std::vector<std::string> args;
  for (int i = 0; i < 6; ++i) {
    args.push_back("-o");
    args.push_back("/dev/null");
    args.push_back(proxy.url("/r"));
  }
  EXPECT_EQ(curl(args).exit_code, 0);
  EXPECT_EQ(proxy->counterValue("cluster.b.upstream_rq_total"), 6);
  EXPECT_EQ(proxy->counterValue("cluster.b.upstream_cx_total"), 3);
  EXPECT_EQ(proxy->counterValue("cluster.b.upstream_cx_max_requests"), 3);
}

TEST(HttpUpstreamTest, LeastRequestAvoidsABusyHost) {
  // One upstream answers slowly; least-request sends the quick requests to the other.
  TestServerProcess slow({.mode = "http", .name = "slow", .delay_ms = 4000});
  TestServerProcess fast({.mode = "http", .name = "fast"});
  ASSERT_TRUE(slow.ready());
  ASSERT_TRUE(fast.ready());
  HttpProxy proxy({.clusters = {{.name = "lr", .ports = {slow.port(), fast.port()}, .extra = "    lb_policy: LEAST_REQUEST\n"}}});
  ASSERT_TRUE(proxy.ready());
  // Concurrent requests put some on the slow host, where they stay; once the fast ones are
  // done, the sequential requests that follow should all go to the idle fast host.
  std::string url = proxy.url("/x");
  Process burst({"sh", "-c", "for i in 1 2 3 4 5 6 7 8; do curl -s --max-time 10 " + url + " & done; wait"});
  ASSERT_TRUE(proxy->waitForCounterAtLeast("cluster.lr.upstream_rq_total", 8, absl::Seconds(10)));
  ASSERT_TRUE(proxy->waitForCounter("cluster.lr.upstream_rq_active", [](int64_t v) { return v >= 1 && v < 8; },
                                    absl::Seconds(5)))
      << "expected the fast requests done and the slow ones still in flight";
  int slow_count = 0;
  for (int i = 0; i < 20; ++i) {
    auto r = proxy.get("/seq");
    ASSERT_EQ(r.status, 200);
    if (jsonField(r.body, "server") == "slow") ++slow_count;
  }
  // Power of two choices over two hosts compares both: the busy slow host never wins.
  EXPECT_EQ(slow_count, 0);
  burst.waitExit(absl::Seconds(15));
}

TEST(HttpUpstreamTest, JsonAccessLogAndPrometheusHistograms) {
  TestServerProcess upstream({.mode = "http"});
  ASSERT_TRUE(upstream.ready());
  TempDir dir;
  std::string log = dir.filePath("http.log");
  HttpProxy proxy({.clusters = {{.name = "b", .ports = {upstream.port()}}},
                   .hcm_extra = "          access_log:\n"
                                "          - name: envoy.access_loggers.file\n"
                                "            typed_config:\n"
                                "              \"@type\": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog\n"
                                "              path: " + log + "\n"
                                "              log_format:\n"
                                "                json_format:\n"
                                "                  code: \"%RESPONSE_CODE%\"\n"
                                "                  method: \"%REQ(:METHOD)%\"\n"
                                "                  path: \"%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%\"\n"
                                "                  upstream: \"%UPSTREAM_HOST%\"\n"
                                "                  cluster: \"%UPSTREAM_CLUSTER%\"\n"
                                "                  id: \"%REQ(X-REQUEST-ID)%\"\n"
                                "                  flags: \"%RESPONSE_FLAGS%\"\n"});
  ASSERT_TRUE(proxy.ready());
  ASSERT_EQ(proxy.get("/logged?status=201", {{"x-request-id", "req-1"}}).status, 201);
  std::string text;
  ASSERT_TRUE(waitUntil([&] { text = readFileText(log); return !text.empty(); }, absl::Seconds(5)));
  EXPECT_THAT(text, HasSubstr("\"code\":201"));
  EXPECT_THAT(text, HasSubstr("\"path\":\"/logged?status=201\""));
  EXPECT_THAT(text, HasSubstr("\"upstream\":\"" + upstream.address() + "\""));
  EXPECT_THAT(text, HasSubstr("\"cluster\":\"b\""));
  EXPECT_THAT(text, HasSubstr("\"id\":\"req-1\""));

  auto prom = proxy->adminGet("/stats/prometheus").body;
  EXPECT_THAT(prom, HasSubstr("envoy_cluster_upstream_rq_xx{envoy_cluster_name=\"b\",envoy_response_code_class=\"2\"} 1"));
  EXPECT_THAT(prom, HasSubstr("# TYPE envoy_http_downstream_rq_time histogram"));
  EXPECT_THAT(prom, HasSubstr("envoy_http_downstream_rq_time_count{envoy_http_conn_manager_prefix=\"ingress_http\"} 1"));
  EXPECT_THAT(prom, HasSubstr("envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name=\"b\",le=\"+Inf\"} 1"));
}

TEST(HttpUpstreamTest, StreamIdleTimeoutAnswers408) {
  TestServerProcess upstream({.mode = "http"});
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy({.clusters = {{.name = "b", .ports = {upstream.port()}}},
                   .hcm_extra = "          stream_idle_timeout: 0.3s\n"});
  ASSERT_TRUE(proxy.ready());
  TcpClient c;
  ASSERT_TRUE(c.connect("127.0.0.1", proxy.port));
  // Headers promise a body that never comes.
  ASSERT_TRUE(c.sendAll("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  std::string reply = c.recvUntilClose(absl::Seconds(5));
  EXPECT_THAT(reply, HasSubstr("408"));
  EXPECT_EQ(proxy->counterValue("http.ingress_http.downstream_rq_idle_timeout"), 1);
}

}  // namespace
}  // namespace meshproxy::testing
