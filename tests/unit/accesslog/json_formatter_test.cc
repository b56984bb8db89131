#include "proxy/accesslog/json_formatter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/unit/accesslog/test_headers.h"

namespace meshproxy::accesslog {
namespace {

using std::chrono::milliseconds;
using testing::TestHeaders;
using Fields = std::vector<std::pair<std::string, JsonTemplate>>;

class JsonFormatterTest : public ::testing::Test {
 protected:
  JsonFormatterTest() {
    info_.start_time = std::chrono::system_clock::time_point(milliseconds(1704164645678LL));
    info_.request_complete = milliseconds(42);
    info_.response_code = 503;
    info_.bytes_received = 10;
    info_.bytes_sent = 20;
    info_.upstream_cluster = "backend";
    info_.protocol = "HTTP/1.1";
    info_.setResponseFlag(ResponseFlag::kNoHealthyUpstream);
    info_.request_headers = &headers_;
  }

  std::string format(const JsonTemplate& root, JsonFormatOptions options = {}) {
    absl::StatusOr<JsonFormatter> formatter = JsonFormatter::create(root, options);
    EXPECT_TRUE(formatter.ok()) << formatter.status();
    if (!formatter.ok()) return "<error>";
    std::string out;
    formatter->format(info_, out);
    return out;
  }

  TestHeaders headers_{{":method", "POST"},
                       {":path", "/a\"b"},
                       {"user-agent", "tab\there\\"},
                       {"x-ctl", std::string("\x01", 1)}};
  StreamInfo info_;
};

TEST_F(JsonFormatterTest, NumbersForSingleNumericOperators) {
  EXPECT_EQ(format(JsonTemplate::object(Fields{
                {"code", JsonTemplate::string("%RESPONSE_CODE%")},
                {"rx", JsonTemplate::string("%BYTES_RECEIVED%")},
                {"tx", JsonTemplate::string("%BYTES_SENT%")},
                {"duration", JsonTemplate::string("%DURATION%")},
                {"attempts", JsonTemplate::string("%UPSTREAM_REQUEST_ATTEMPT_COUNT%")},
            })),
            "{\"code\":503,\"rx\":10,\"tx\":20,\"duration\":42,\"attempts\":0}\n");
}

TEST_F(JsonFormatterTest, StringsForOtherOperatorsAndMixedValues) {
  EXPECT_EQ(format(JsonTemplate::object(Fields{
                {"cluster", JsonTemplate::string("%UPSTREAM_CLUSTER%")},
                {"flags", JsonTemplate::string("%RESPONSE_FLAGS%")},
                {"start", JsonTemplate::string("%START_TIME%")},
                {"line", JsonTemplate::string("%REQ(:METHOD)% %RESPONSE_CODE%")},
                {"literal", JsonTemplate::string("meshproxy")},
                {"empty", JsonTemplate::string("")},
            })),
            "{\"cluster\":\"backend\",\"flags\":\"UH\",\"start\":\"2024-01-02T03:04:05.678Z\","
            "\"line\":\"POST 503\",\"literal\":\"meshproxy\",\"empty\":\"\"}\n");
}

TEST_F(JsonFormatterTest, MissingSingleValuesAreNull) {
  EXPECT_EQ(format(JsonTemplate::object(Fields{
                {"host", JsonTemplate::string("%UPSTREAM_HOST%")},
                {"rsp_duration", JsonTemplate::string("%RESPONSE_DURATION%")},
                {"ua", JsonTemplate::string("%REQ(X-NOPE)%")},
                {"mixed", JsonTemplate::string("host=%UPSTREAM_HOST%")},
            })),
            "{\"host\":null,\"rsp_duration\":null,\"ua\":null,\"mixed\":\"host=-\"}\n");
}

TEST_F(JsonFormatterTest, OmitEmptyValuesDropsKeys) {
  EXPECT_EQ(format(JsonTemplate::object(Fields{
                       {"host", JsonTemplate::string("%UPSTREAM_HOST%")},
                       {"code", JsonTemplate::string("%RESPONSE_CODE%")},
                       {"ua", JsonTemplate::string("%REQ(X-NOPE)%")},
                       {"mixed", JsonTemplate::string("host=%UPSTREAM_HOST%")},
                       {"n", JsonTemplate::null()},
                   }),
                   {.typed = true, .omit_empty_values = true}),
            "{\"code\":503,\"mixed\":\"host=\"}\n");
  // Omitting the first key must not leave a leading comma.
  EXPECT_EQ(format(JsonTemplate::object(Fields{{"a", JsonTemplate::string("%UPSTREAM_HOST%")},
                                               {"b", JsonTemplate::string("%PROTOCOL%")}}),
                   {.typed = true, .omit_empty_values = true}),
            "{\"b\":\"HTTP/1.1\"}\n");
}

TEST_F(JsonFormatterTest, UntypedLegacyModeWritesStrings) {
  EXPECT_EQ(format(JsonTemplate::object(Fields{
                       {"code", JsonTemplate::string("%RESPONSE_CODE%")},
                       {"host", JsonTemplate::string("%UPSTREAM_HOST%")},
                   }),
                   {.typed = false, .omit_empty_values = false}),
            "{\"code\":\"503\",\"host\":\"-\"}\n");
}

TEST_F(JsonFormatterTest, NestingAndLiteralTypes) {
  EXPECT_EQ(format(JsonTemplate::object(Fields{
                {"request", JsonTemplate::object(Fields{
                                {"method", JsonTemplate::string("%REQ(:METHOD)%")},
                                {"inner", JsonTemplate::object(Fields{
                                              {"code", JsonTemplate::string("%RESPONSE_CODE%")}})},
                            })},
                {"list",
                 JsonTemplate::list({JsonTemplate::string("%PROTOCOL%"), JsonTemplate::number(1.5),
                                     JsonTemplate::boolean(true), JsonTemplate::null()})},
                {"version", JsonTemplate::number(3)},
                {"empty", JsonTemplate::object({})},
            })),
            "{\"request\":{\"method\":\"POST\",\"inner\":{\"code\":503}},"
            "\"list\":[\"HTTP/1.1\",1.5,true,null],\"version\":3,\"empty\":{}}\n");
}

TEST_F(JsonFormatterTest, EscapesValuesAndKeys) {
  EXPECT_EQ(format(JsonTemplate::object(Fields{
                {"path", JsonTemplate::string("%REQ(:PATH)%")},
                {"ua", JsonTemplate::string("[%REQ(USER-AGENT)%]")},
                {"ctl", JsonTemplate::string("%REQ(X-CTL)%")},
                {"k\"ey", JsonTemplate::string("lit\"eral")},
            })),
            "{\"path\":\"/a\\\"b\",\"ua\":\"[tab\\there\\\\]\",\"ctl\":\"\\u0001\","
            "\"k\\\"ey\":\"lit\\\"eral\"}\n");
}

TEST_F(JsonFormatterTest, Errors) {
  EXPECT_FALSE(JsonFormatter::create(JsonTemplate::string("%PROTOCOL%")).ok());
  const absl::Status status =
      JsonFormatter::create(
          JsonTemplate::object(
              Fields{{"a", JsonTemplate::object(Fields{{"b", JsonTemplate::string("%NOPE%")}})}}))
          .status();
  EXPECT_EQ(status.message(), "unsupported access log command operator: %NOPE%");
}

TEST_F(JsonFormatterTest, CopiesShareTheCompiledTree) {
  absl::StatusOr<JsonFormatter> formatter = JsonFormatter::create(
      JsonTemplate::object(Fields{{"c", JsonTemplate::string("%RESPONSE_CODE%")}}));
  ASSERT_TRUE(formatter.ok());
  const JsonFormatter copy = *formatter;
  std::string out;
  copy.format(info_, out);
  EXPECT_EQ(out, "{\"c\":503}\n");
}

}  // namespace
}  // namespace meshproxy::accesslog
