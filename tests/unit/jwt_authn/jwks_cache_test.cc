// JwksCache decisions: cache_duration, failed fetches, and "unknown kid -> refetch once".

#include "proxy/filters/http/jwt_authn/jwks_cache.h"

#include <gtest/gtest.h>

namespace meshproxy::filters::jwt_authn {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using State = JwksCache::State;

TEST(JwksCacheTest, FreshUntilCacheDurationThenNeedsFetch) {
  JwksCache cache(seconds(60), seconds(1));
  const auto t0 = JwksCache::Clock::time_point() + seconds(1000);
  EXPECT_EQ(cache.state(t0), State::kNeedsFetch);  // nothing yet
  cache.onFetchSuccess(std::make_shared<Jwks>(), t0);
  EXPECT_EQ(cache.state(t0), State::kFresh);
  EXPECT_EQ(cache.state(t0 + seconds(59)), State::kFresh);
  EXPECT_EQ(cache.state(t0 + seconds(60)), State::kNeedsFetch);
  EXPECT_NE(cache.keys(), nullptr);  // stale keys stay readable
}

TEST(JwksCacheTest, FailedFetchFailsFastForFailedRefetchDuration) {
  JwksCache cache(seconds(60), seconds(5));
  const auto t0 = JwksCache::Clock::time_point() + seconds(1000);
  cache.onFetchFailure(t0);
  EXPECT_EQ(cache.state(t0 + seconds(4)), State::kFetchFailed);
  EXPECT_EQ(cache.state(t0 + seconds(5)), State::kNeedsFetch);
  cache.onFetchSuccess(std::make_shared<Jwks>(), t0 + seconds(6));
  EXPECT_EQ(cache.state(t0 + seconds(6)), State::kFresh);
  // A failure while keys are cached: fail fast, then refetch; the old keys stay.
  cache.onFetchFailure(t0 + seconds(7));
  EXPECT_EQ(cache.state(t0 + seconds(8)), State::kFetchFailed);
  EXPECT_NE(cache.keys(), nullptr);
}

TEST(JwksCacheTest, UnknownKidRefetchesOncePerInterval) {
  JwksCache cache(seconds(600), seconds(1), seconds(10));
  const auto t0 = JwksCache::Clock::time_point() + seconds(1000);
  EXPECT_TRUE(cache.shouldRefetchForUnknownKid(t0));  // never fetched
  cache.onFetchSuccess(std::make_shared<Jwks>(), t0);
  // Just fetched: a token with an unknown kid does not trigger another fetch ...
  EXPECT_FALSE(cache.shouldRefetchForUnknownKid(t0 + seconds(9)));
  // ... until the interval passed (a rotation after the fetch).
  EXPECT_TRUE(cache.shouldRefetchForUnknownKid(t0 + seconds(10)));
  // The refetch happened: the same unknown kid right after it fails without a new fetch.
  cache.onFetchSuccess(std::make_shared<Jwks>(), t0 + seconds(10) + milliseconds(5));
  EXPECT_FALSE(cache.shouldRefetchForUnknownKid(t0 + seconds(11)));
  // A failed refetch also counts as the attempt, and blocks during failed_refetch_duration.
  cache.onFetchFailure(t0 + seconds(30));
  EXPECT_FALSE(cache.shouldRefetchForUnknownKid(t0 + seconds(30) + milliseconds(500)));
  EXPECT_TRUE(cache.shouldRefetchForUnknownKid(t0 + seconds(40)));
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
