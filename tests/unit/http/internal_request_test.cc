// Envoy's internal/external request distinction and the control headers external clients
// may not set.
#include "proxy/http/internal_request.h"

#include <gtest/gtest.h>

namespace meshproxy::http {
namespace {

TEST(InternalRequestTest, InternalAddresses) {
  for (const char* ip : {"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1",
                         "::1", "fd00::1", "fc00::2"}) {
    EXPECT_TRUE(isInternalAddress(ip)) << ip;
  }
  for (const char* ip :
       {"8.8.8.8", "172.32.0.1", "192.169.0.1", "2001:db8::1", "", "nonsense", "10.0.0.1:80"}) {
    EXPECT_FALSE(isInternalAddress(ip)) << ip;
  }
}

TEST(InternalRequestTest, OnlyOneInternalForwardedAddress) {
  EXPECT_TRUE(isInternalRequest("10.0.0.7"));
  EXPECT_TRUE(isInternalRequest(" 127.0.0.1 "));
  EXPECT_FALSE(isInternalRequest("1.2.3.4"));
  EXPECT_FALSE(isInternalRequest("10.0.0.7, 10.0.0.8"));
  EXPECT_FALSE(isInternalRequest(""));
}

TEST(InternalRequestTest, ControlHeadersRemoved) {
  HeaderMap h;
  h.add(":path", "/");
  h.add("x-envoy-retry-on", "5xx");
  h.add("x-envoy-retry-grpc-on", "unavailable");
  h.add("x-envoy-max-retries", "9");
  h.add("x-envoy-upstream-rq-timeout-ms", "1");
  h.add("x-envoy-upstream-rq-per-try-timeout-ms", "1");
  h.add("x-envoy-expected-rq-timeout-ms", "1");
  h.add("x-envoy-hedge-on-per-try-timeout", "true");
  h.add("x-envoy-attempt-count", "1");  // not a control header
  h.add("x-other", "kept");
  removeEnvoyControlHeaders(h);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_TRUE(h.has("x-envoy-attempt-count"));
  EXPECT_TRUE(h.has("x-other"));
}

}  // namespace
}  // namespace meshproxy::http
