#include "proxy/accesslog/response_flags.h"

#include <gtest/gtest.h>

#include <string>

namespace meshproxy::accesslog {
namespace {

std::string flagsString(uint32_t flags) {
  std::string out;
  appendResponseFlags(flags, out);
  return out;
}

uint32_t bits(ResponseFlag flag) { return static_cast<uint32_t>(flag); }

TEST(ResponseFlagsTest, NoneIsDash) { EXPECT_EQ(flagsString(0), "-"); }

TEST(ResponseFlagsTest, ShortCodesMatchEnvoy) {
  EXPECT_EQ(flagsString(bits(ResponseFlag::kNoHealthyUpstream)), "UH");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kUpstreamConnectionFailure)), "UF");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kUpstreamOverflow)), "UO");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kNoRouteFound)), "NR");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kUpstreamRetryLimitExceeded)), "URX");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kUpstreamRequestTimeout)), "UT");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kFailedLocalHealthCheck)), "LH");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kUpstreamConnectionTermination)), "UC");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kDownstreamConnectionTermination)), "DC");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kLocalReset)), "LR");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kUpstreamRemoteReset)), "UR");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kDelayInjected)), "DI");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kFaultInjected)), "FI");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kRateLimited)), "RL");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kUnauthorizedExternalService)), "UAEX");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kRateLimitServiceError)), "RLSE");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kInvalidRequestHeaders)), "IH");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kStreamIdleTimeout)), "SI");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kDownstreamProtocolError)), "DPE");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kUpstreamProtocolError)), "UPE");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kUpstreamMaxStreamDurationReached)), "UMSDR");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kOverloadManager)), "OM");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kDnsResolutionFailed)), "DF");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kNoClusterFound)), "NC");
  EXPECT_EQ(flagsString(bits(ResponseFlag::kDropOverload)), "DO");
}

TEST(ResponseFlagsTest, SeveralJoinWithCommaInEnvoyOrder) {
  // Envoy prints in bit order: UH (bit 1) before UF (bit 5) before DC (bit 14).
  EXPECT_EQ(flagsString(bits(ResponseFlag::kDownstreamConnectionTermination) |
                        bits(ResponseFlag::kUpstreamConnectionFailure) |
                        bits(ResponseFlag::kNoHealthyUpstream)),
            "UH,UF,DC");
}

TEST(ResponseFlagsTest, UnknownBitsAloneReadAsNone) { EXPECT_EQ(flagsString(1u << 31), "-"); }

TEST(ResponseFlagsTest, ShortCodeRoundTrip) {
  for (int i = 0; i < kResponseFlagCount; ++i) {
    const auto flag = static_cast<ResponseFlag>(1u << i);
    const std::string_view code = responseFlagShortCode(flag);
    ASSERT_FALSE(code.empty()) << i;
    EXPECT_EQ(responseFlagFromShortCode(code), flag) << code;
  }
  EXPECT_EQ(responseFlagFromShortCode("XX"), std::nullopt);
  EXPECT_EQ(responseFlagShortCode(static_cast<ResponseFlag>(3)), "");
}

}  // namespace
}  // namespace meshproxy::accesslog
