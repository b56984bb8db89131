#include "proxy/filters/http/cache/simple_http_cache.h"

#include <gtest/gtest.h>

namespace meshproxy::filters::cache {
namespace {

http::HeaderMap request(std::string_view accept_encoding = "") {
  http::HeaderMap r = {{":method", "GET"}, {":path", "/"}, {":authority", "h"}};
  if (!accept_encoding.empty()) r.set("accept-encoding", accept_encoding);
  return r;
}

CachedResponse response(std::string body, std::string_view vary = "") {
  CachedResponse r;
  r.headers = {{":status", "200"}, {"cache-control", "max-age=60"}};
  if (!vary.empty()) r.headers.set("vary", vary);
  r.body = std::move(body);
  return r;
}

TEST(SimpleHttpCache, InsertLookupReplace) {
  SimpleHttpCache cache;
  EXPECT_EQ(cache.lookup("k", request()), nullptr);
  ASSERT_TRUE(cache.insert("k", request(), response("one")));
  auto hit = cache.lookup("k", request());
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->body, "one");
  ASSERT_TRUE(cache.insert("k", request(), response("two")));
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.lookup("k", request())->body, "two");
  EXPECT_EQ(hit->body, "one");  // a response being sent stays intact
}

TEST(SimpleHttpCache, VariantsByVaryHeaders) {
  SimpleHttpCache cache;
  ASSERT_TRUE(cache.insert("k", request("gzip"), response("gz", "accept-encoding")));
  ASSERT_TRUE(cache.insert("k", request("br"), response("br", "accept-encoding")));
  EXPECT_EQ(cache.lookup("k", request("gzip"))->body, "gz");
  EXPECT_EQ(cache.lookup("k", request("br"))->body, "br");
  EXPECT_EQ(cache.lookup("k", request("zstd")), nullptr);
  EXPECT_EQ(cache.lookup("k", request()), nullptr);
  // The resource stops varying: the variants go.
  ASSERT_TRUE(cache.insert("k", request("gzip"), response("plain")));
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.lookup("k", request("br"))->body, "plain");
}

TEST(SimpleHttpCache, LeastRecentlyUsedIsEvictedFirstAndTheBoundHolds) {
  const std::string body(1000, 'x');
  SimpleHttpCache cache(4000);
  for (const char* k : {"a", "b", "c"}) ASSERT_TRUE(cache.insert(k, request(), response(body)));
  ASSERT_NE(cache.lookup("a", request()), nullptr);  // "b" is now the least recently used
  ASSERT_TRUE(cache.insert("d", request(), response(body)));
  EXPECT_LE(cache.bytes(), 4000u);
  EXPECT_EQ(cache.lookup("b", request()), nullptr);
  EXPECT_NE(cache.lookup("a", request()), nullptr);
  EXPECT_NE(cache.lookup("d", request()), nullptr);
  EXPECT_GE(cache.evictions(), 1u);
  // Too big alone: refused, nothing evicted for it.
  const size_t before = cache.entries();
  EXPECT_FALSE(cache.insert("huge", request(), response(std::string(5000, 'y'))));
  EXPECT_EQ(cache.entries(), before);
}

TEST(SimpleHttpCache, ValidationRefreshesHeadersAndTime) {
  SimpleHttpCache cache;
  CachedResponse r = response("body");
  r.headers.set("etag", "\"v1\"");
  r.response_time = SystemTime(std::chrono::seconds(100));
  ASSERT_TRUE(cache.insert("k", request(), std::move(r)));
  EXPECT_TRUE(cache.updateAfterValidation("k", request(),
                                          {{":status", "304"}, {"cache-control", "max-age=300"}},
                                          SystemTime(std::chrono::seconds(200))));
  auto hit = cache.lookup("k", request());
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->headers.get("cache-control"), "max-age=300");
  EXPECT_EQ(hit->headers.get(":status"), "200");
  EXPECT_EQ(hit->body, "body");
  EXPECT_EQ(hit->response_time, SystemTime(std::chrono::seconds(200)));
  EXPECT_FALSE(cache.updateAfterValidation("gone", request(), {}, SystemTime()));
}

}  // namespace
}  // namespace meshproxy::filters::cache
