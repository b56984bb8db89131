#include "proxy/filters/http/cache/cache_lookup.h"

#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/cache/v3/cache.pb.h"
#include "proxy/filters/http/cache/cache_headers.h"
#include "proxy/stats/store.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::cache {
namespace {

using Proto = envoy::extensions::filters::http::cache::v3::CacheConfig;
using std::chrono::seconds;

const SystemTime kT0 = *parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");

class CacheLookupTest : public ::testing::Test {
 protected:
  CacheLookupTest() {
    auto c = translateCacheConfig(test::protoFromYaml<Proto>(
        "typed_config: {'@type': "
        "type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3."
        "SimpleHttpCacheConfig}\nmax_body_bytes: 100\n"));
    EXPECT_TRUE(c.ok()) << c.status();
    config_ = *c;
  }
  static http::HeaderMap get(std::string_view method = "GET") {
    return {{":method", method}, {":path", "/r"}, {":authority", "h"}, {":scheme", "http"}};
  }
  // What an origin sends: a 200 valid for 60 s with an ETag, dated kT0.
  static http::HeaderMap origin200() {
    return {{":status", "200"},
            {"date", "Sun, 06 Nov 1994 08:49:37 GMT"},
            {"cache-control", "max-age=60"},
            {"etag", "\"v1\""}};
  }
  // A miss whose response is stored.
  void fill() {
    http::HeaderMap request = get();
    CacheLookup l = lookupRequest(*config_, cache_, request, kT0, stats_);
    ASSERT_EQ(l.outcome, LookupOutcome::kMiss);
    ASSERT_EQ(onResponseHeaders(*config_, cache_, l, request, origin200(), kT0).outcome,
              ResponseOutcome::kStore);
    ASSERT_TRUE(finishInsert(cache_, l, request, {origin200(), "body", {}, kT0}, stats_));
  }
  uint64_t value(stats::Counter* c) { return c->value(); }

  std::shared_ptr<const CacheConfig> config_;
  SimpleHttpCache cache_;
  stats::Store store_;
  CacheStats stats_{&store_.rootScope().counter("cache.hit"),
                    &store_.rootScope().counter("cache.miss"),
                    &store_.rootScope().counter("cache.validate"),
                    &store_.rootScope().counter("cache.uncacheable"),
                    &store_.rootScope().counter("cache.insert")};
};

TEST_F(CacheLookupTest, MissStoreThenHitWithAge) {
  fill();
  http::HeaderMap request = get();
  CacheLookup l = lookupRequest(*config_, cache_, request, kT0 + seconds(10), stats_);
  ASSERT_EQ(l.outcome, LookupOutcome::kHit);
  EXPECT_EQ(l.entry->body, "body");
  const http::HeaderMap served = servedHeaders(*l.entry, kT0 + seconds(10));
  EXPECT_EQ(served.get("age"), "10");
  EXPECT_EQ(served.get(":status"), "200");
  EXPECT_EQ(value(stats_.miss), 1u);
  EXPECT_EQ(value(stats_.hit), 1u);
  EXPECT_EQ(value(stats_.insert), 1u);
}

TEST_F(CacheLookupTest, HeadIsServedFromAGetsEntryButNeverStored) {
  http::HeaderMap head = get("HEAD");
  CacheLookup miss = lookupRequest(*config_, cache_, head, kT0, stats_);
  ASSERT_EQ(miss.outcome, LookupOutcome::kMiss);
  EXPECT_TRUE(miss.head);
  EXPECT_EQ(onResponseHeaders(*config_, cache_, miss, head, origin200(), kT0).outcome,
            ResponseOutcome::kPassThrough);
  fill();
  http::HeaderMap again = get("HEAD");
  EXPECT_EQ(lookupRequest(*config_, cache_, again, kT0, stats_).outcome, LookupOutcome::kHit);
}

TEST_F(CacheLookupTest, StaleEntryIsValidatedAnd304ServesIt) {
  fill();
  http::HeaderMap request = get();
  CacheLookup l = lookupRequest(*config_, cache_, request, kT0 + seconds(61), stats_);
  ASSERT_EQ(l.outcome, LookupOutcome::kValidate);
  EXPECT_EQ(request.get("if-none-match"), "\"v1\"");
  EXPECT_EQ(value(stats_.validate), 1u);

  const http::HeaderMap not_modified = {{":status", "304"},
                                        {"date", "Sun, 06 Nov 1994 08:50:38 GMT"},
                                        {"cache-control", "max-age=120"}};
  ResponseDecision d =
      onResponseHeaders(*config_, cache_, l, request, not_modified, kT0 + seconds(61));
  ASSERT_EQ(d.outcome, ResponseOutcome::kServeCached);
  EXPECT_EQ(d.serve->body, "body");
  EXPECT_EQ(d.serve->headers.get(":status"), "200");
  EXPECT_EQ(d.serve->headers.get("cache-control"), "max-age=120");
  // Fresh again for 120 s from the validation.
  http::HeaderMap later = get();
  EXPECT_EQ(lookupRequest(*config_, cache_, later, kT0 + seconds(150), stats_).outcome,
            LookupOutcome::kHit);
}

TEST_F(CacheLookupTest, ValidationAnsweredWithANewResponseReplacesTheEntry) {
  fill();
  http::HeaderMap request = get();
  CacheLookup l = lookupRequest(*config_, cache_, request, kT0 + seconds(61), stats_);
  ASSERT_EQ(l.outcome, LookupOutcome::kValidate);
  http::HeaderMap fresh = origin200();
  fresh.set("etag", "\"v2\"");
  fresh.set("date", "Sun, 06 Nov 1994 08:50:38 GMT");  // sent at kT0 + 61 s
  ASSERT_EQ(onResponseHeaders(*config_, cache_, l, request, fresh, kT0 + seconds(61)).outcome,
            ResponseOutcome::kStore);
  ASSERT_TRUE(finishInsert(cache_, l, request, {fresh, "new", {}, kT0 + seconds(61)}, stats_));
  http::HeaderMap again = get();
  CacheLookup hit = lookupRequest(*config_, cache_, again, kT0 + seconds(62), stats_);
  ASSERT_EQ(hit.outcome, LookupOutcome::kHit);
  EXPECT_EQ(hit.entry->body, "new");
}

TEST_F(CacheLookupTest, OnlyIfCachedMissIs504AndUncacheableRequestsPassThrough) {
  http::HeaderMap only = get();
  only.set("cache-control", "only-if-cached");
  EXPECT_EQ(lookupRequest(*config_, cache_, only, kT0, stats_).outcome,
            LookupOutcome::kOnlyIfCachedMiss);
  http::HeaderMap range = get();
  range.set("range", "bytes=0-1");
  EXPECT_EQ(lookupRequest(*config_, cache_, range, kT0, stats_).outcome,
            LookupOutcome::kUncacheable);
  EXPECT_EQ(value(stats_.uncacheable), 1u);
}

TEST_F(CacheLookupTest, UncacheableResponsesAndBodyLimit) {
  http::HeaderMap request = get();
  CacheLookup l = lookupRequest(*config_, cache_, request, kT0, stats_);
  http::HeaderMap no_store = origin200();
  no_store.set("cache-control", "no-store");
  EXPECT_EQ(onResponseHeaders(*config_, cache_, l, request, no_store, kT0).outcome,
            ResponseOutcome::kPassThrough);
  EXPECT_TRUE(bodyFits(*config_, 100));
  EXPECT_FALSE(bodyFits(*config_, 101));
}

}  // namespace
}  // namespace meshproxy::filters::cache
