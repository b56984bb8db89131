// Stream and connection deadlines through a real meshproxy with a slow mesh-test-server
// upstream: the route's max_stream_duration with grpc_timeout_header_max / _offset (the
// client's grpc-timeout caps the stream, as Envoy does), the connection manager's
// common_http_protocol_options.max_stream_duration and max_connection_duration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "absl/strings/ascii.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

std::string routeWith(const std::string& route_extra) {
  return "            virtual_hosts:\n"
         "            - name: all\n"
         "              domains: [\"*\"]\n"
         "              routes:\n"
         "              - match: { prefix: / }\n"
         "                route:\n"
         "                  cluster: b\n"
         "                  " +
         route_extra + "\n";
}

const HeaderList kGrpc = {{"content-type", "application/grpc"}};

HeaderList grpcWithTimeout(const std::string& timeout) {
  return {{"content-type", "application/grpc"}, {"grpc-timeout", timeout}};
}

class StreamDurationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(up_.ready()); }

  std::unique_ptr<HttpProxy> start(const std::string& route_extra,
                                   const std::string& hcm_extra = "") {
    auto proxy = std::make_unique<HttpProxy>(
        HttpBootstrap{.route_config = routeWith(route_extra),
                      .clusters = {{.name = "b", .ports = {up_.port()}}},
                      .hcm_extra = hcm_extra});
    EXPECT_TRUE(proxy->ready());
    return proxy;
  }

  TestServerProcess up_{{.mode = "http", .name = "up"}};
};

// grpc-timeout above grpc_timeout_header_max: the max wins; the client gets a trailers-only
// DEADLINE_EXCEEDED (grpc-status 4), not the upstream's late answer.
TEST_F(StreamDurationTest, GrpcTimeoutIsCappedByTheHeaderMax) {
  auto proxy = start("max_stream_duration: {grpc_timeout_header_max: 0.3s}");
  auto start_time = Clock::now();
  auto r = proxy->get("/x?delay_ms=3000", grpcWithTimeout("10S"));
  EXPECT_LT(Clock::now() - start_time, std::chrono::milliseconds(2000));
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.header("grpc-status"), "4");
  EXPECT_EQ(r.header("x-meshproxy-reason"), "max_duration_timeout");
  EXPECT_TRUE((*proxy)->waitForCounter("http.ingress_http.downstream_rq_max_duration_reached",
                                       [](int64_t v) { return v == 1; }));
  // A fast call within the cap passes, and the upstream is told the capped deadline.
  auto fast = proxy->get("/x", grpcWithTimeout("10S"));
  ASSERT_EQ(fast.status, 200);
  EXPECT_EQ(jsonField(fast.body, "grpc-timeout"), "300m");
}

// grpc_timeout_header_max 0: no cap, the header alone decides; below it the call succeeds.
TEST_F(StreamDurationTest, ZeroMaxUsesTheHeaderUnchanged) {
  auto proxy = start("max_stream_duration: {grpc_timeout_header_max: 0s}");
  auto start_time = Clock::now();
  auto r = proxy->get("/x?delay_ms=3000", grpcWithTimeout("200m"));
  EXPECT_LT(Clock::now() - start_time, std::chrono::milliseconds(2000));
  EXPECT_EQ(r.header("grpc-status"), "4");
  auto slow_ok = proxy->get("/x?delay_ms=300", grpcWithTimeout("5S"));
  ASSERT_EQ(slow_ok.status, 200);
  EXPECT_FALSE(slow_ok.hasHeader("grpc-status"));  // the upstream's answer
  EXPECT_EQ(jsonField(slow_ok.body, "grpc-timeout"), "5000m");
}

// The offset comes off the header's value: 1S less 0.8s leaves 200ms.
TEST_F(StreamDurationTest, OffsetShortensTheHeader) {
  auto proxy =
      start("max_stream_duration: {grpc_timeout_header_max: 0s, grpc_timeout_header_offset: 0.8s}");
  auto fast = proxy->get("/x", grpcWithTimeout("1S"));
  ASSERT_EQ(fast.status, 200);
  EXPECT_EQ(jsonField(fast.body, "grpc-timeout"), "200m");
  auto start_time = Clock::now();
  auto r = proxy->get("/x?delay_ms=1500", grpcWithTimeout("1S"));
  EXPECT_LT(Clock::now() - start_time, std::chrono::milliseconds(1200));
  EXPECT_EQ(r.header("grpc-status"), "4");
}

// Without a (valid) grpc-timeout the route's max_stream_duration applies; a plain HTTP request
// whose body was complete gets Envoy's 504.
TEST_F(StreamDurationTest, NoOrInvalidHeaderFallsBackToMaxStreamDuration) {
  auto proxy =
      start("max_stream_duration: {max_stream_duration: 0.3s, grpc_timeout_header_max: 10s}");
  for (const HeaderList& headers : {kGrpc, grpcWithTimeout("5x"), HeaderList{}}) {
    auto start_time = Clock::now();
    auto r = proxy->get("/x?delay_ms=3000", headers);
    EXPECT_LT(Clock::now() - start_time, std::chrono::milliseconds(2000));
    if (headers.empty()) {
      EXPECT_EQ(r.status, 504);
    } else {
      EXPECT_EQ(r.header("grpc-status"), "4");
    }
  }
}

// A route with max_stream_duration does not apply its `timeout` (Envoy's "new timeouts"): the
// 0.2s timeout would end this 0.6s call; the 3s stream duration does not.
TEST_F(StreamDurationTest, RouteTimeoutDoesNotApplyWithMaxStreamDuration) {
  auto proxy =
      start("timeout: 0.2s\n                  max_stream_duration: {max_stream_duration: 3s}");
  auto r = proxy->get("/x?delay_ms=600");
  EXPECT_EQ(r.status, 200) << r.body;
}

// common_http_protocol_options.max_stream_duration applies to routes that set none, and a
// route's max_stream_duration of 0 turns it off.
TEST_F(StreamDurationTest, ConnectionManagerMaxStreamDuration) {
  const std::string hcm = "          common_http_protocol_options: {max_stream_duration: 0.3s}\n";
  auto proxy = start("timeout: 10s", hcm);
  auto start_time = Clock::now();
  auto r = proxy->get("/x?delay_ms=3000");
  EXPECT_LT(Clock::now() - start_time, std::chrono::milliseconds(2000));
  EXPECT_EQ(r.status, 504);
  EXPECT_EQ(r.header("x-meshproxy-reason"), "max_duration_timeout");

  auto disabled = start("max_stream_duration: {max_stream_duration: 0s}", hcm);
  EXPECT_EQ(disabled->get("/x?delay_ms=600").status, 200);
}

// max_connection_duration: a keep-alive HTTP/1.1 connection is closed once the duration passed
// (idle here), and the counter says why.
TEST_F(StreamDurationTest, MaxConnectionDurationClosesTheConnection) {
  auto proxy = start("timeout: 10s",
                     "          common_http_protocol_options: {max_connection_duration: 0.5s}\n");
  TcpClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", proxy->port));
  ASSERT_TRUE(client.sendAll("GET /x HTTP/1.1\r\nhost: a\r\n\r\n"));
  std::string first = client.recvSome(65536, absl::Seconds(5));
  EXPECT_THAT(first, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(first, ::testing::Not(HasSubstr("connection: close")));
  auto start_time = Clock::now();
  client.recvUntilClose(absl::Seconds(5));
  EXPECT_TRUE(client.eofSeen());
  EXPECT_LT(Clock::now() - start_time, std::chrono::milliseconds(2000));
  EXPECT_TRUE((*proxy)->waitForCounter("http.ingress_http.downstream_cx_max_duration_reached",
                                       [](int64_t v) { return v == 1; }));
}

// A request in progress when the duration passes finishes, with Connection: close.
TEST_F(StreamDurationTest, MaxConnectionDurationLetsTheRequestInProgressFinish) {
  auto proxy = start("timeout: 10s",
                     "          common_http_protocol_options: {max_connection_duration: 0.3s}\n");
  TcpClient client;
  ASSERT_TRUE(client.connect("127.0.0.1", proxy->port));
  ASSERT_TRUE(client.sendAll("GET /x?delay_ms=800 HTTP/1.1\r\nhost: a\r\n\r\n"));
  std::string all = client.recvUntilClose(absl::Seconds(5));
  EXPECT_TRUE(client.eofSeen());
  EXPECT_THAT(all, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(absl::AsciiStrToLower(all), HasSubstr("connection: close"));
}

}  // namespace
}  // namespace meshproxy::testing
