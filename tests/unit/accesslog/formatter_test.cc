#include "proxy/accesslog/formatter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <string>

#include "tests/unit/accesslog/test_headers.h"
#include "tests/unit/accesslog/test_upstream_host.h"

namespace meshproxy::accesslog {
namespace {

using std::chrono::milliseconds;
using testing::TestHeaders;

class FormatterTest : public ::testing::Test {
 protected:
  FormatterTest() {
    // 2024-01-02T03:04:05.678Z
    info_.start_time = std::chrono::system_clock::time_point(milliseconds(1704164645678LL));
    info_.request_complete = milliseconds(42);
    info_.last_downstream_rx_byte_received = milliseconds(3);
    info_.first_upstream_rx_byte_received = milliseconds(30);
    info_.last_downstream_tx_byte_sent = milliseconds(40);
    info_.downstream_remote_address = "10.0.0.1:5555";
    info_.downstream_local_address = "10.0.0.2:8080";
    info_.downstream_direct_remote_address = "10.0.0.3:6666";
    info_.requested_server_name = "api.example.com";
    info_.downstream_peer_uri_san = "spiffe://cluster.local/ns/a/sa/client";
    info_.upstream_host = &upstream_host_;
    info_.upstream_cluster = "backend";
    info_.upstream_local_address = "10.1.0.2:40000";
    info_.upstream_transport_failure_reason = "tls_handshake_failed";
    info_.upstream_peer_uri_san = "spiffe://cluster.local/ns/b/sa/server";
    info_.upstream_request_attempt_count = 2;
    info_.bytes_received = 123;
    info_.bytes_sent = 4567;
    info_.response_code = 200;
    info_.response_code_details = "via_upstream";
    info_.connection_termination_details = "idle_timeout";
    info_.setResponseFlag(ResponseFlag::kUpstreamRetryLimitExceeded);
    info_.route_name = "default-route";
    info_.protocol = "HTTP/1.1";
    info_.request_headers = &request_headers_;
    info_.response_headers = &response_headers_;
    info_.response_trailers = &response_trailers_;
  }

  std::string format(std::string_view format) {
    absl::StatusOr<Formatter> formatter = Formatter::create(format);
    EXPECT_TRUE(formatter.ok()) << formatter.status();
    if (!formatter.ok()) return "<error>";
    std::string out;
    formatter->format(info_, out);
    return out;
  }

  std::string formatEmpty(std::string_view format) {
    const StreamInfo empty;
    absl::StatusOr<Formatter> formatter = Formatter::create(format);
    EXPECT_TRUE(formatter.ok()) << formatter.status();
    std::string out;
    if (formatter.ok()) formatter->format(empty, out);
    return out;
  }

  absl::Status error(std::string_view format) { return Formatter::create(format).status(); }

  TestHeaders request_headers_{{":method", "GET"},
                               {":path", "/v1/items?id=7"},
                               {":authority", "api.example.com"},
                               {"user-agent", "curl/8.0"},
                               {"x-request-id", "req-1"},
                               {"x-forwarded-for", "1.2.3.4"},
                               {"x-empty", ""}};
  TestHeaders response_headers_{{"content-type", "text/plain"},
                                {"x-envoy-upstream-service-time", "17"}};
  TestHeaders response_trailers_{{"grpc-status", "0"}};
  TestUpstreamHost upstream_host_{"10.1.0.1:9090"};
  StreamInfo info_;
};

TEST_F(FormatterTest, LiteralsAndPercent) {
  EXPECT_EQ(format("plain text"), "plain text");
  EXPECT_EQ(format("100%% done"), "100% done");
  EXPECT_EQ(format(""), "");
}

TEST_F(FormatterTest, StartTime) {
  EXPECT_EQ(format("%START_TIME%"), "2024-01-02T03:04:05.678Z");
  EXPECT_EQ(format("%START_TIME(%Y/%m/%d)%"), "2024/01/02");
  EXPECT_EQ(format("%START_TIME(%s.%3f)%"), "1704164645.678");
  EXPECT_EQ(format("[%START_TIME(%H:%M)%]"), "[03:04]");
}

TEST_F(FormatterTest, Durations) {
  EXPECT_EQ(format("%DURATION%"), "42");
  EXPECT_EQ(format("%REQUEST_DURATION%"), "3");
  EXPECT_EQ(format("%RESPONSE_DURATION%"), "30");
  EXPECT_EQ(format("%RESPONSE_TX_DURATION%"), "10");
  info_.request_complete.reset();
  info_.first_upstream_rx_byte_received.reset();
  EXPECT_EQ(format("%DURATION% %RESPONSE_DURATION% %RESPONSE_TX_DURATION%"), "- - -");
}

TEST_F(FormatterTest, RequestHeaders) {
  EXPECT_EQ(format("%REQ(:METHOD)% %REQ(:PATH)% %REQ(:AUTHORITY)%"),
            "GET /v1/items?id=7 api.example.com");
  EXPECT_EQ(format("%REQ(User-Agent)%"), "curl/8.0");  // names are case-insensitive
  EXPECT_EQ(format("%REQ(X-MISSING)%"), "-");
  EXPECT_EQ(format("%REQ(X-EMPTY)%"), "-");  // empty prints "-", as Envoy documents
}

TEST_F(FormatterTest, RequestHeaderFallback) {
  EXPECT_EQ(format("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"), "/v1/items?id=7");
  EXPECT_EQ(format("%REQ(:METHOD?:PATH)%"), "GET");  // the main header wins when present
  EXPECT_EQ(format("%REQ(X-A?X-B)%"), "-");
}

TEST_F(FormatterTest, Truncation) {
  EXPECT_EQ(format("%REQ(:PATH):3%"), "/v1");
  EXPECT_EQ(format("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH):5%"), "/v1/i");
  EXPECT_EQ(format("%REQ(:METHOD):10%"), "GET");
  EXPECT_EQ(format("%REQ(X-MISSING):2%"), "-");
  EXPECT_EQ(format("%UPSTREAM_CLUSTER:4%"), "back");
}

TEST_F(FormatterTest, ResponseHeadersAndTrailers) {
  EXPECT_EQ(format("%RESP(CONTENT-TYPE)%"), "text/plain");
  EXPECT_EQ(format("%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%"), "17");
  EXPECT_EQ(format("%RESP(X-NOPE?CONTENT-TYPE):4%"), "text");
  EXPECT_EQ(format("%TRAILER(GRPC-STATUS)%"), "0");
  EXPECT_EQ(format("%TRAILER(GRPC-MESSAGE)%"), "-");
}

TEST_F(FormatterTest, NoHeaderBlocksForTcp) {
  info_.request_headers = nullptr;
  info_.response_headers = nullptr;
  info_.response_trailers = nullptr;
  EXPECT_EQ(format("%REQ(:METHOD)% %RESP(CONTENT-TYPE)% %TRAILER(GRPC-STATUS)%"), "- - -");
}

TEST_F(FormatterTest, ResponseFields) {
  EXPECT_EQ(format("%RESPONSE_CODE%"), "200");
  EXPECT_EQ(format("%RESPONSE_CODE_DETAILS%"), "via_upstream");
  EXPECT_EQ(format("%CONNECTION_TERMINATION_DETAILS%"), "idle_timeout");
  EXPECT_EQ(format("%RESPONSE_FLAGS%"), "URX");
  EXPECT_EQ(format("%BYTES_RECEIVED% %BYTES_SENT%"), "123 4567");
  EXPECT_EQ(format("%PROTOCOL%"), "HTTP/1.1");
  EXPECT_EQ(format("%ROUTE_NAME%"), "default-route");
}

TEST_F(FormatterTest, UpstreamFields) {
  EXPECT_EQ(format("%UPSTREAM_HOST%"), "10.1.0.1:9090");
  EXPECT_EQ(format("%UPSTREAM_CLUSTER%"), "backend");
  EXPECT_EQ(format("%UPSTREAM_CLUSTER_RAW%"), "backend");
  EXPECT_EQ(format("%UPSTREAM_LOCAL_ADDRESS%"), "10.1.0.2:40000");
  EXPECT_EQ(format("%UPSTREAM_TRANSPORT_FAILURE_REASON%"), "tls_handshake_failed");
  EXPECT_EQ(format("%UPSTREAM_PEER_URI_SAN%"), "spiffe://cluster.local/ns/b/sa/server");
  EXPECT_EQ(format("%UPSTREAM_REQUEST_ATTEMPT_COUNT%"), "2");
}

TEST_F(FormatterTest, DownstreamFields) {
  EXPECT_EQ(format("%DOWNSTREAM_REMOTE_ADDRESS%"), "10.0.0.1:5555");
  EXPECT_EQ(format("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"), "10.0.0.1");
  EXPECT_EQ(format("%DOWNSTREAM_LOCAL_ADDRESS%"), "10.0.0.2:8080");
  EXPECT_EQ(format("%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%"), "10.0.0.2");
  EXPECT_EQ(format("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS%"), "10.0.0.3:6666");
  EXPECT_EQ(format("%DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT%"), "10.0.0.3");
  EXPECT_EQ(format("%REQUESTED_SERVER_NAME%"), "api.example.com");
  EXPECT_EQ(format("%DOWNSTREAM_PEER_URI_SAN%"), "spiffe://cluster.local/ns/a/sa/client");
}

TEST_F(FormatterTest, Ipv6AddressWithoutPort) {
  info_.downstream_remote_address = "[2001:db8::1]:443";
  EXPECT_EQ(format("%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"), "2001:db8::1");
}

TEST_F(FormatterTest, Hostname) {
  char name[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(gethostname(name, sizeof(name) - 1), 0);
  EXPECT_EQ(format("%HOSTNAME%"), name);
}

TEST_F(FormatterTest, MissingValuesPrintDash) {
  EXPECT_EQ(formatEmpty("%UPSTREAM_HOST% %UPSTREAM_CLUSTER% %ROUTE_NAME% %PROTOCOL% "
                        "%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %DURATION% "
                        "%RESPONSE_CODE_DETAILS% %REQ(:METHOD)%"),
            "- - - - - - - - -");
  // Envoy prints these as numbers even when nothing happened.
  EXPECT_EQ(formatEmpty("%RESPONSE_CODE% %BYTES_RECEIVED% %UPSTREAM_REQUEST_ATTEMPT_COUNT%"),
            "0 0 0");
  EXPECT_EQ(formatEmpty("%RESPONSE_FLAGS%"), "-");
}

TEST_F(FormatterTest, OmitEmptyValues) {
  absl::StatusOr<Formatter> formatter =
      Formatter::create("[%UPSTREAM_HOST%] [%ROUTE_NAME%]", {.omit_empty_values = true});
  ASSERT_TRUE(formatter.ok());
  info_.upstream_host = nullptr;
  std::string out;
  formatter->format(info_, out);
  EXPECT_EQ(out, "[] [default-route]");
}

TEST_F(FormatterTest, AppendsToExistingContent) {
  absl::StatusOr<Formatter> formatter = Formatter::create(" %RESPONSE_CODE%");
  ASSERT_TRUE(formatter.ok());
  std::string out = "prefix";
  formatter->format(info_, out);
  EXPECT_EQ(out, "prefix 200");
}

TEST_F(FormatterTest, EnvoyDefaultFormat) {
  const Formatter formatter = Formatter::envoyDefault();
  std::string out;
  formatter.format(info_, out);
  EXPECT_EQ(out,
            "[2024-01-02T03:04:05.678Z] \"GET /v1/items?id=7 HTTP/1.1\" 200 URX 123 4567 42 17 "
            "\"1.2.3.4\" \"curl/8.0\" \"req-1\" \"api.example.com\" \"10.1.0.1:9090\"\n");
}

TEST_F(FormatterTest, EnvoyDefaultFormatForTcp) {
  StreamInfo tcp;
  tcp.start_time = info_.start_time;
  tcp.request_complete = milliseconds(1500);
  tcp.bytes_received = 10;
  tcp.bytes_sent = 20;
  TestUpstreamHost upstream_host("10.1.0.1:9090");
  tcp.upstream_host = &upstream_host;
  std::string out;
  Formatter::envoyDefault().format(tcp, out);
  EXPECT_EQ(out,
            "[2024-01-02T03:04:05.678Z] \"- - -\" 0 - 10 20 1500 - \"-\" \"-\" \"-\" \"-\" "
            "\"10.1.0.1:9090\"\n");
}

TEST_F(FormatterTest, OriginalPathPreferredInDefaultFormat) {
  TestHeaders rewritten{{":method", "GET"}, {":path", "/new"}, {"x-envoy-original-path", "/old"}};
  info_.request_headers = &rewritten;
  EXPECT_EQ(format("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"), "/old");
}

TEST_F(FormatterTest, SoleCommandAndLiteral) {
  absl::StatusOr<Formatter> one = Formatter::create("%BYTES_SENT%");
  ASSERT_TRUE(one.ok());
  ASSERT_NE(one->soleCommand(), nullptr);
  EXPECT_EQ(one->soleCommand()->op(), CommandOperator::kBytesSent);
  EXPECT_TRUE(one->soleCommand()->numeric());
  EXPECT_EQ(one->soleLiteral(), nullptr);

  absl::StatusOr<Formatter> two = Formatter::create("%BYTES_SENT% bytes");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->soleCommand(), nullptr);
  EXPECT_EQ(two->soleLiteral(), nullptr);

  absl::StatusOr<Formatter> literal = Formatter::create("50%% off");
  ASSERT_TRUE(literal.ok());
  ASSERT_NE(literal->soleLiteral(), nullptr);
  EXPECT_EQ(*literal->soleLiteral(), "50% off");
}

TEST_F(FormatterTest, UnknownOperatorIsNamed) {
  const absl::Status status = error("[%FOO%]");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "unsupported access log command operator: %FOO%");
  EXPECT_EQ(error("%FILTER_STATE(a:b)%").message(),
            "unsupported access log command operator: %FILTER_STATE%");
}

TEST_F(FormatterTest, SyntaxErrors) {
  EXPECT_FALSE(error("50% off").ok());         // lone '%'
  EXPECT_FALSE(error("%RESPONSE_CODE").ok());  // no closing '%'
  EXPECT_FALSE(error("%REQ(:PATH%").ok());     // no ')'
  EXPECT_FALSE(error("%REQ(:PATH):x%").ok());  // bad length
  EXPECT_FALSE(error("%REQ()%").ok());         // empty header
  EXPECT_FALSE(error("%REQ%").ok());           // REQ needs an argument
  EXPECT_FALSE(error("%REQ(A?B?C)%").ok());    // one alternative at most
  EXPECT_FALSE(error("%REQ(A?)%").ok());
  EXPECT_FALSE(error("%RESPONSE_CODE(x)%").ok());  // takes no argument
  EXPECT_FALSE(error("%START_TIME(%Y\n)%").ok());
  EXPECT_FALSE(error("%%%").ok());
}

}  // namespace
}  // namespace meshproxy::accesslog

namespace meshproxy::accesslog {
namespace {

// %TRACE_ID%: the traced request's id, 32 hex digits (16 for a 64-bit B3 id); "-" untraced.
TEST(TraceIdOperatorTest, PrintsTheTraceIdOrADash) {
  auto formatter = Formatter::create("%TRACE_ID%");
  ASSERT_TRUE(formatter.ok()) << formatter.status();
  StreamInfo info;
  std::string out;
  formatter->format(info, out);
  EXPECT_EQ(out, "-");
  info.trace_id_high = 0x0af7651916cd43ddu;
  info.trace_id_low = 0x8448eb211c80319cu;
  out.clear();
  formatter->format(info, out);
  EXPECT_EQ(out, "0af7651916cd43dd8448eb211c80319c");
  info.trace_id_high = 0;
  info.trace_id_low = 0x463ac35c9f6413adu;
  out.clear();
  formatter->format(info, out);
  EXPECT_EQ(out, "463ac35c9f6413ad");
}

}  // namespace
}  // namespace meshproxy::accesslog
