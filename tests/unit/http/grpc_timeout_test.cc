// grpc-timeout header values as gRPC's PROTOCOL-HTTP2.md defines them and Envoy reads them.
#include "proxy/http/grpc_timeout.h"

#include <gtest/gtest.h>

namespace meshproxy::http {
namespace {

using std::chrono::milliseconds;

TEST(GrpcTimeoutTest, EveryUnit) {
  EXPECT_EQ(parseGrpcTimeout("2H"), milliseconds(2 * 3600 * 1000));
  EXPECT_EQ(parseGrpcTimeout("3M"), milliseconds(3 * 60 * 1000));
  EXPECT_EQ(parseGrpcTimeout("4S"), milliseconds(4000));
  EXPECT_EQ(parseGrpcTimeout("250m"), milliseconds(250));
  EXPECT_EQ(parseGrpcTimeout("5000u"), milliseconds(5));
  EXPECT_EQ(parseGrpcTimeout("7000000n"), milliseconds(7));
  EXPECT_EQ(parseGrpcTimeout("0m"), milliseconds(0));
  EXPECT_EQ(parseGrpcTimeout("99999999H"), milliseconds(99999999LL * 3600 * 1000));
}

// A sub-millisecond remainder rounds up: 1u must not become 0 (no limit).
TEST(GrpcTimeoutTest, MicrosAndNanosRoundUp) {
  EXPECT_EQ(parseGrpcTimeout("1u"), milliseconds(1));
  EXPECT_EQ(parseGrpcTimeout("1001u"), milliseconds(2));
  EXPECT_EQ(parseGrpcTimeout("1n"), milliseconds(1));
  EXPECT_EQ(parseGrpcTimeout("1000000n"), milliseconds(1));
  EXPECT_EQ(parseGrpcTimeout("1000001n"), milliseconds(2));
  EXPECT_EQ(parseGrpcTimeout("0n"), milliseconds(0));
}

TEST(GrpcTimeoutTest, InvalidValues) {
  for (const char* bad : {"", "m", "S", "10", "10s", "10h", "10x", "-1S", "+1S", " 1S", "1 S",
                          "1.5S", "123456789S", "0x10m", "1SS", "S1"}) {
    EXPECT_EQ(parseGrpcTimeout(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(GrpcTimeoutTest, FromHeaders) {
  HeaderMap h;
  EXPECT_EQ(grpcTimeout(h), std::nullopt);
  h.addLowercase("grpc-timeout", "1S");
  EXPECT_EQ(grpcTimeout(h), milliseconds(1000));
  h.set("grpc-timeout", "soon");
  EXPECT_EQ(grpcTimeout(h), std::nullopt);
}

TEST(GrpcTimeoutTest, WritesTheSmallestUnitThatFits) {
  HeaderMap h;
  auto written = [&](milliseconds t) {
    setGrpcTimeout(h, t);
    return std::string(h.get("grpc-timeout").value_or(""));
  };
  EXPECT_EQ(written(milliseconds(0)), "0m");
  EXPECT_EQ(written(milliseconds(1500)), "1500m");
  EXPECT_EQ(written(milliseconds(99999999)), "99999999m");
  EXPECT_EQ(written(milliseconds(100000000)), "100000S");
  EXPECT_EQ(written(milliseconds(99999999LL * 1000 + 999)), "99999999S");
  EXPECT_EQ(written(milliseconds(100000000LL * 1000)), "1666666M");
  EXPECT_EQ(written(milliseconds(100000000LL * 60 * 1000)), "1666666H");
  EXPECT_EQ(written(milliseconds(INT64_MAX)), "99999999H");
  // What is written reads back as no more than it was.
  EXPECT_EQ(parseGrpcTimeout(written(milliseconds(123456))), milliseconds(123456));
}

}  // namespace
}  // namespace meshproxy::http
