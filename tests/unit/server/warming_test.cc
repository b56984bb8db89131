// How long a warming resource waits: its sources' initial_fetch_timeout, Envoy's 15 s when none
// says, and 0s meaning no timeout at all (Envoy's semantics; Istio and Envoy Gateway set
// initial_fetch_timeout: 0s on their ADS sources).
#include "proxy/server/warming.h"

#include <gtest/gtest.h>

namespace meshproxy::server {
namespace {

using std::chrono::milliseconds;

TEST(WarmTimeoutTest, DefaultsToFifteenSecondsWhenNoSourceSays) {
  Dependencies d;
  d.endpoints = {"svc"};
  EXPECT_EQ(warmTimeout(d, nullptr), milliseconds(15000));
}

TEST(WarmTimeoutTest, TakesTheSourcesTimeout) {
  Dependencies d;
  d.endpoints = {"svc"};
  d.fetch_timeout = milliseconds(2500);
  EXPECT_EQ(warmTimeout(d, nullptr), milliseconds(2500));
}

TEST(WarmTimeoutTest, ZeroMeansNoTimeout) {
  Dependencies d;
  d.endpoints = {"svc"};
  d.fetch_timeout = milliseconds(0);
  EXPECT_EQ(warmTimeout(d, nullptr), kNoFetchTimeout);
}

TEST(InitialFetchTimeoutTest, ZeroOnEitherDynamicSourceWaitsForever) {
  envoy::config::core::v3::ConfigSource cds, lds;
  EXPECT_EQ(initialFetchTimeout({&cds, &lds}), milliseconds(15000)) << "none set: Envoy's 15 s";
  cds.mutable_initial_fetch_timeout()->set_seconds(20);
  EXPECT_EQ(initialFetchTimeout({&cds, &lds}), milliseconds(20000)) << "the longest wins";
  lds.mutable_initial_fetch_timeout()->set_seconds(0);
  EXPECT_EQ(initialFetchTimeout({&cds, &lds}), kNoFetchTimeout);
}

}  // namespace
}  // namespace meshproxy::server
