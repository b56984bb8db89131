// HTTP/2 abuse of the downstream codec (each one an Envoy CVE): rapid reset, CONTINUATION
// flood, SETTINGS/PING/PRIORITY floods, an oversized header list, invalid pseudo-headers, DATA
// after END_STREAM and a stream opened after GOAWAY. A raw-frame client
// (tests/support/h2_attack_client.py, on Debian's python3-h2) attacks one connection while a
// second connection, opened before, must still be served afterwards; the proxy's counters say
// what it saw.
#include <signal.h>

#include <string>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

constexpr char kPython[] = "/usr/bin/python3";  // Debian's, where python3-h2 lives

struct AttackResult {
  google::protobuf::Struct json;
  bool parsed = false;
  std::string raw;

  const google::protobuf::Value& field(const std::string& name) const {
    static const google::protobuf::Value kNull;
    auto it = json.fields().find(name);
    return it == json.fields().end() ? kNull : it->second;
  }
  // -1 when null or absent.
  int number(const std::string& name) const {
    const auto& v = field(name);
    return v.kind_case() == google::protobuf::Value::kNumberValue
               ? static_cast<int>(v.number_value())
               : -1;
  }
  int streamEntry(const std::string& map, int stream) const {
    const auto& m = field(map).struct_value().fields();
    auto it = m.find(std::to_string(stream));
    return it == m.end() ? -1 : static_cast<int>(it->second.number_value());
  }
  bool closed() const { return field("closed").bool_value(); }
};

AttackResult parse(const CommandResult& r) {
  AttackResult result;
  result.raw = r.stdout_text + r.stderr_text;
  result.parsed = r.exit_code == 0 &&
                  google::protobuf::util::JsonStringToMessage(r.stdout_text, &result.json).ok();
  return result;
}

AttackResult runAttack(int port, const std::string& attack) {
  return parse(runCommand({kPython, sourcePath("tests/support/h2_attack_client.py"), "127.0.0.1",
                           std::to_string(port), attack},
                          absl::Seconds(60)));
}

class Http2SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (runCommand({kPython, "-c", "import h2"}, absl::Seconds(10)).exit_code != 0) {
      GTEST_SKIP() << "python3-h2 is not installed (deploy/setup.sh installs it)";
    }
    ASSERT_TRUE(upstream_.ready());
    HttpBootstrap b;
    b.clusters = {{.name = "backend", .ports = {upstream_.port()}}};
    proxy_ = std::make_unique<HttpProxy>(b);
    ASSERT_TRUE(proxy_->ready());
  }

  int64_t counter(const std::string& name) {
    return (*proxy_)->counterValue("http.ingress_http." + name).value_or(-1);
  }

  // The attacked connection got GOAWAY `code` and was closed; the bystander was served; the
  // proxy counted `stat`.
  // `code` -1: the GOAWAY may not reach the client (it queues behind what the client never
  // read), only the close does.
  void expectConnectionClosed(const AttackResult& r, int code, const std::string& stat) {
    ASSERT_TRUE(r.parsed) << r.raw;
    if (code >= 0) EXPECT_EQ(r.number("goaway"), code) << r.raw;
    EXPECT_TRUE(r.closed()) << r.raw;
    EXPECT_EQ(r.number("bystander"), 200) << r.raw;
    EXPECT_TRUE((*proxy_)->waitForCounterAtLeast("http.ingress_http." + stat, 1)) << stat;
  }

  TestServerProcess upstream_{{.mode = "http", .name = "backend"}};
  std::unique_ptr<HttpProxy> proxy_;
};

constexpr int kProtocolError = 1;
constexpr int kStreamClosed = 5;
constexpr int kEnhanceYourCalm = 11;

// CVE-2023-44487: streams opened and reset at once. Envoy's rule closes the connection once
// half of 500 streams could be premature resets; well before the 2,000 the client tries.
TEST_F(Http2SecurityTest, RapidResetGetsGoAwayAndClose) {
  AttackResult r = runAttack(proxy_->port, "rapid_reset");
  expectConnectionClosed(r, kEnhanceYourCalm, "downstream_rq_too_many_premature_resets");
  EXPECT_GE(counter("http2.rx_reset"), 250);
  // Closed at the 250th premature reset, not later: few requests reached the proxy beyond.
  EXPECT_LT(counter("downstream_rq_total"), 400);
}

// CVE-2024-27316 family: a header block that never ends.
TEST_F(Http2SecurityTest, ContinuationFloodGetsGoAwayAndClose) {
  AttackResult r = runAttack(proxy_->port, "continuation_flood");
  expectConnectionClosed(r, kEnhanceYourCalm, "http2.too_many_continuation_frames");
  EXPECT_EQ(counter("downstream_rq_total"), 1);  // only the bystander's request
}

// CVE-2019-9515: SETTINGS whose ACKs pile up unread.
TEST_F(Http2SecurityTest, SettingsFloodGetsGoAwayAndClose) {
  AttackResult r = runAttack(proxy_->port, "settings_flood");
  expectConnectionClosed(r, kEnhanceYourCalm, "http2.outbound_control_flood");
}

// CVE-2019-9512: PINGs whose ACKs pile up unread. The ACKs go out as long as the socket takes
// them, so the flood shows once the client has left megabytes unread; the GOAWAY then waits
// behind them and the client sees the close.
TEST_F(Http2SecurityTest, PingFloodClosesTheConnection) {
  AttackResult r = runAttack(proxy_->port, "ping_flood");
  expectConnectionClosed(r, -1, "http2.outbound_control_flood");
}

// CVE-2019-9513: PRIORITY frames beyond max_inbound_priority_frames_per_stream.
TEST_F(Http2SecurityTest, PriorityFloodGetsGoAwayAndClose) {
  AttackResult r = runAttack(proxy_->port, "priority_flood");
  expectConnectionClosed(r, kEnhanceYourCalm, "http2.inbound_priority_frames_flood");
}

// A header list over max_request_headers_kb resets that stream only (Envoy's answer); the
// same connection serves the next request.
TEST_F(Http2SecurityTest, OversizedHeaderListResetsTheStreamOnly) {
  AttackResult r = runAttack(proxy_->port, "header_list_size");
  ASSERT_TRUE(r.parsed) << r.raw;
  EXPECT_NE(r.streamEntry("rst", 1), -1) << r.raw;
  EXPECT_EQ(r.streamEntry("responses", 1), -1) << r.raw;
  EXPECT_EQ(r.streamEntry("responses", 3), 200) << r.raw;
  EXPECT_EQ(r.number("goaway"), -1) << r.raw;
  EXPECT_EQ(r.number("bystander"), 200) << r.raw;
  EXPECT_GE(counter("http2.header_overflow"), 1);
  EXPECT_EQ(counter("downstream_rq_total"), 2);  // stream 3 and the bystander
}

// An unknown pseudo-header makes the message invalid: with Envoy's default
// (override_stream_error_on_invalid_http_message false) a connection error.
TEST_F(Http2SecurityTest, InvalidPseudoHeaderGetsGoAwayProtocolError) {
  AttackResult r = runAttack(proxy_->port, "invalid_pseudo_header");
  expectConnectionClosed(r, kProtocolError, "http2.rx_messaging_error");
  EXPECT_GE(counter("downstream_cx_protocol_error"), 1);
  EXPECT_EQ(counter("downstream_rq_total"), 1);  // only the bystander's request
}

// DATA on a stream the client already ended (half-closed remote): nghttp2 makes it a
// connection error STREAM_CLOSED (stricter than RFC 9113's stream error; Envoy on nghttp2
// does the same), so the connection gets GOAWAY and closes; other connections go on.
TEST_F(Http2SecurityTest, DataAfterEndStreamGetsGoAwayStreamClosed) {
  AttackResult r = runAttack(proxy_->port, "data_after_end_stream");
  expectConnectionClosed(r, kStreamClosed, "downstream_cx_protocol_error");
  EXPECT_EQ(r.streamEntry("responses", 3), -1) << r.raw;
  EXPECT_GE(counter("http2.goaway_sent"), 1);
}

// A stream opened after the final GOAWAY (last-stream-id 1) is ignored: no response, no
// RST_STREAM either (nghttp2 drops it, as Envoy's does); stream 1, in flight, still completes.
TEST(Http2SecurityDrainTest, StreamAfterGoAwayIsIgnored) {
  if (runCommand({kPython, "-c", "import h2"}, absl::Seconds(10)).exit_code != 0) {
    GTEST_SKIP() << "python3-h2 is not installed (deploy/setup.sh installs it)";
  }
  TestServerProcess slow({.mode = "http", .name = "slow", .delay_ms = 1500});
  ASSERT_TRUE(slow.ready());
  HttpBootstrap b;
  b.clusters = {{.name = "backend", .ports = {slow.port()}}};
  b.hcm_extra = "          drain_timeout: 0.2s\n";
  HttpProxy proxy(b, {.concurrency = 1, .extra_args = {"--drain-time-s", "30"}});
  ASSERT_TRUE(proxy.ready());
  Process attack({kPython, sourcePath("tests/support/h2_attack_client.py"), "127.0.0.1",
                  std::to_string(proxy.port), "stream_after_goaway", "bystander=0"});
  ASSERT_TRUE(attack.started());
  ASSERT_TRUE(proxy->waitForCounter("http.ingress_http.downstream_rq_active",
                                    [](int64_t v) { return v == 1; }));
  ASSERT_TRUE(proxy->process().sendSignal(SIGTERM));
  ASSERT_TRUE(attack.waitExit(absl::Seconds(30)).has_value());
  CommandResult out{.exit_code = 0, .stdout_text = attack.stdoutText()};
  AttackResult r = parse(out);
  ASSERT_TRUE(r.parsed) << r.raw;
  EXPECT_EQ(r.number("goaway_last_stream"), 1) << r.raw;
  EXPECT_EQ(r.streamEntry("responses", 1), 200) << r.raw;
  EXPECT_EQ(r.streamEntry("responses", 3), -1) << r.raw;
  EXPECT_TRUE(r.closed()) << r.raw;
}

}  // namespace
}  // namespace meshproxy::testing
