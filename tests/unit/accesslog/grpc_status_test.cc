#include "proxy/accesslog/grpc_status.h"

#include <gtest/gtest.h>

#include <string>

#include "proxy/accesslog/formatter.h"
#include "tests/unit/accesslog/test_headers.h"

namespace meshproxy::accesslog {
namespace {

using testing::TestHeaders;

std::string format(const StreamInfo& info, std::string_view fmt) {
  absl::StatusOr<Formatter> formatter = Formatter::create(fmt);
  EXPECT_TRUE(formatter.ok()) << formatter.status();
  if (!formatter.ok()) return "<error>";
  std::string out;
  formatter->format(info, out);
  return out;
}

const TestHeaders kGrpcRequest{{"content-type", "application/grpc+proto"}};
const TestHeaders kJsonRequest{{"content-type", "application/json"}};

TEST(GrpcStatusTest, TrailersFirstThenHeadersThenHttpStatus) {
  const TestHeaders trailers{{"grpc-status", "5"}};
  const TestHeaders headers{{"grpc-status", "12"}};
  const TestHeaders plain{{"content-type", "application/grpc"}};
  StreamInfo info;
  info.request_headers = &kGrpcRequest;
  info.response_code = 200;
  info.response_headers = &headers;
  info.response_trailers = &trailers;
  EXPECT_EQ(format(info, "%GRPC_STATUS%"), "NotFound");
  info.response_trailers = nullptr;  // trailers-only response
  EXPECT_EQ(format(info, "%GRPC_STATUS%"), "Unimplemented");
  info.response_headers = &plain;
  info.response_code = 503;  // a local reply without grpc-status: Envoy's HTTP mapping
  EXPECT_EQ(format(info, "%GRPC_STATUS%"), "Unavailable");
  info.response_code = 404;
  EXPECT_EQ(format(info, "%GRPC_STATUS(NUMBER)%"), "12");
  info.response_code = 0;  // no response at all
  EXPECT_EQ(format(info, "%GRPC_STATUS%"), "-");
}

TEST(GrpcStatusTest, Formats) {
  const TestHeaders trailers{{"grpc-status", "1"}};
  StreamInfo info;
  info.request_headers = &kGrpcRequest;
  info.response_code = 200;
  info.response_trailers = &trailers;
  EXPECT_EQ(format(info, "%GRPC_STATUS(CAMEL_STRING)%"), "Canceled");
  EXPECT_EQ(format(info, "%GRPC_STATUS(SNAKE_STRING)%"), "CANCELLED");
  EXPECT_EQ(format(info, "%GRPC_STATUS(NUMBER)%"), "1");
  const TestHeaders odd{{"grpc-status", "42"}};
  info.response_trailers = &odd;
  EXPECT_EQ(format(info, "%GRPC_STATUS%"), "42");
  const TestHeaders bad{{"grpc-status", "x"}};
  info.response_trailers = &bad;
  EXPECT_EQ(format(info, "%GRPC_STATUS%"), "InvalidCode");
}

TEST(GrpcStatusTest, NotAGrpcRequestPrintsDash) {
  const TestHeaders trailers{{"grpc-status", "0"}};
  StreamInfo info;
  info.request_headers = &kJsonRequest;
  info.response_code = 200;
  info.response_trailers = &trailers;
  EXPECT_EQ(format(info, "%GRPC_STATUS%"), "-");
}

TEST(GrpcStatusTest, UnknownFormatIsAConfigError) {
  absl::StatusOr<Formatter> formatter = Formatter::create("%GRPC_STATUS(LOUD)%");
  ASSERT_FALSE(formatter.ok());
  EXPECT_NE(formatter.status().message().find("GRPC_STATUS"), std::string::npos);
}

TEST(GrpcStatusTest, JsonKeepsNumbersUnquoted) {
  EXPECT_TRUE(Command::parse("GRPC_STATUS", "NUMBER", std::nullopt)->numeric());
  EXPECT_FALSE(Command::parse("GRPC_STATUS", std::nullopt, std::nullopt)->numeric());
}

}  // namespace
}  // namespace meshproxy::accesslog
