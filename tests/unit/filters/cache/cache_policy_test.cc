#include "proxy/filters/http/cache/cache_policy.h"

#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/cache/v3/cache.pb.h"
#include "proxy/core/strings.h"
#include "proxy/filters/http/cache/cache_headers.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::cache {
namespace {

using Proto = envoy::extensions::filters::http::cache::v3::CacheConfig;
using std::chrono::seconds;

constexpr std::string_view kStorage =
    "typed_config: {'@type': "
    "type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig}\n";

std::shared_ptr<const CacheConfig> config(std::string_view extra = "") {
  auto c =
      translateCacheConfig(test::protoFromYaml<Proto>(std::string(kStorage) + std::string(extra)));
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : nullptr;
}

// Sun, 06 Nov 1994 08:49:37 GMT: RFC 9110's example date.
const SystemTime kDate = *parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");

http::HeaderMap get(std::string_view path = "/a") {
  return {{":method", "GET"}, {":path", path}, {":authority", "example.com"}, {":scheme", "https"}};
}

TEST(CacheHeaders, HttpDatesInAllThreeForms) {
  const auto fixdate = parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(fixdate.has_value());
  EXPECT_EQ(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"), fixdate);
  EXPECT_EQ(parseHttpDate("Sun Nov  6 08:49:37 1994"), fixdate);
  EXPECT_EQ(std::chrono::duration_cast<seconds>(fixdate->time_since_epoch()).count(), 784111777);
  EXPECT_FALSE(parseHttpDate("0").has_value());
  EXPECT_FALSE(parseHttpDate("yesterday").has_value());
}

TEST(CacheHeaders, CacheControlDirectives) {
  const RequestCacheControl r =
      parseRequestCacheControl("No-Cache, max-age=60, min-fresh=\"5\", max-stale, only-if-cached");
  EXPECT_TRUE(r.must_validate);
  EXPECT_EQ(r.max_age, seconds(60));
  EXPECT_EQ(r.min_fresh, seconds(5));
  EXPECT_EQ(r.max_stale, seconds::max());
  EXPECT_TRUE(r.only_if_cached);
  EXPECT_FALSE(parseRequestCacheControl("max-age=abc").max_age.has_value());
  EXPECT_EQ(parseRequestCacheControl("max-stale=30").max_stale, seconds(30));

  const ResponseCacheControl p = parseResponseCacheControl("public, max-age=10, s-maxage=20");
  EXPECT_EQ(p.max_age, seconds(20));  // a shared cache prefers s-maxage
  EXPECT_TRUE(p.is_public);
  EXPECT_TRUE(parseResponseCacheControl("private").no_store);
  EXPECT_TRUE(parseResponseCacheControl("no-store").no_store);
  EXPECT_TRUE(parseResponseCacheControl("proxy-revalidate").no_stale);
  EXPECT_TRUE(parseResponseCacheControl("must-revalidate").no_stale);
  EXPECT_TRUE(parseResponseCacheControl("no-cache").must_validate);
}

TEST(CachePolicy, CacheableRequests) {
  auto c = config();
  EXPECT_TRUE(isCacheableRequest(*c, get()));
  http::HeaderMap head = get();
  head.set(":method", "HEAD");
  EXPECT_TRUE(isCacheableRequest(*c, head));
  for (auto [name, value] :
       {std::pair{":method", "POST"}, std::pair{"authorization", "Bearer x"},
        std::pair{"range", "bytes=0-10"}, std::pair{"if-none-match", "\"x\""},
        std::pair{"if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT"},
        std::pair{"if-range", "\"x\""}, std::pair{"cache-control", "no-store"}}) {
    http::HeaderMap r = get();
    r.set(name, value);
    EXPECT_FALSE(isCacheableRequest(*c, r)) << name << ": " << value;
  }
  http::HeaderMap no_store = get();
  no_store.set("cache-control", "no-store");
  EXPECT_TRUE(isCacheableRequest(*config("ignore_request_cache_control_header: true"), no_store));
}

TEST(CachePolicy, CacheableResponses) {
  auto c = config("allowed_vary_headers: [{exact: accept-encoding}]");
  struct Row {
    http::HeaderMap response;
    bool cacheable;
  };
  const Row rows[] = {
      {{{":status", "200"}, {"cache-control", "max-age=60"}}, true},
      {{{":status", "200"}, {"expires", "Sun, 06 Nov 1994 08:49:37 GMT"}}, true},
      {{{":status", "404"}, {"cache-control", "s-maxage=5"}}, true},
      {{{":status", "200"}}, false},  // no lifetime: nothing to be fresh for
      {{{":status", "200"}, {"cache-control", "no-cache"}, {"etag", "\"v1\""}}, true},
      {{{":status", "200"}, {"cache-control", "no-cache"}}, false},
      {{{":status", "200"}, {"cache-control", "max-age=60, private"}}, false},
      {{{":status", "200"}, {"cache-control", "max-age=60, no-store"}}, false},
      {{{":status", "206"}, {"cache-control", "max-age=60"}}, false},
      {{{":status", "500"}, {"cache-control", "max-age=60"}}, false},
      {{{":status", "200"}, {"cache-control", "max-age=60"}, {"vary", "Accept-Encoding"}}, true},
      {{{":status", "200"}, {"cache-control", "max-age=60"}, {"vary", "cookie"}}, false},
      {{{":status", "200"}, {"cache-control", "max-age=60"}, {"vary", "*"}}, false},
  };
  int i = 0;
  for (const Row& row : rows) {
    EXPECT_EQ(isCacheableResponse(*c, row.response), row.cacheable) << "row " << i;
    ++i;
  }
}

// RFC 9111 4.2: age and freshness. The response was received at kDate (its Date) unless said.
struct FreshnessRow {
  const char* name;
  http::HeaderMap stored;
  std::string request_cache_control;
  seconds resident;  // now - response_time
  Freshness expected;
};

TEST(CachePolicy, FreshnessTable) {
  auto c = config();
  const std::string date = "Sun, 06 Nov 1994 08:49:37 GMT";
  const FreshnessRow rows[] = {
      {"max-age not reached",
       {{"date", date}, {"cache-control", "max-age=60"}},
       "",
       seconds(59),
       Freshness::kFresh},
      {"max-age reached",
       {{"date", date}, {"cache-control", "max-age=60"}},
       "",
       seconds(60),
       Freshness::kRequiresValidation},
      {"Age counts",
       {{"date", date}, {"cache-control", "max-age=60"}, {"age", "50"}},
       "",
       seconds(10),
       Freshness::kRequiresValidation},
      {"Expires - Date",
       {{"date", date}, {"expires", "Sun, 06 Nov 1994 08:50:37 GMT"}},
       "",
       seconds(30),
       Freshness::kFresh},
      {"Expires passed",
       {{"date", date}, {"expires", "Sun, 06 Nov 1994 08:50:37 GMT"}},
       "",
       seconds(61),
       Freshness::kRequiresValidation},
      {"invalid Expires is expired",
       {{"date", date}, {"expires", "0"}},
       "",
       seconds(0),
       Freshness::kRequiresValidation},
      {"s-maxage over Expires",
       {{"date", date},
        {"cache-control", "s-maxage=5"},
        {"expires", "Sun, 06 Nov 1994 09:49:37 GMT"}},
       "",
       seconds(10),
       Freshness::kRequiresValidation},
      {"response no-cache",
       {{"date", date}, {"cache-control", "no-cache, max-age=600"}},
       "",
       seconds(0),
       Freshness::kRequiresValidation},
      {"request no-cache",
       {{"date", date}, {"cache-control", "max-age=600"}},
       "no-cache",
       seconds(0),
       Freshness::kRequiresValidation},
      {"request max-age",
       {{"date", date}, {"cache-control", "max-age=600"}},
       "max-age=10",
       seconds(11),
       Freshness::kRequiresValidation},
      {"request min-fresh",
       {{"date", date}, {"cache-control", "max-age=600"}},
       "min-fresh=100",
       seconds(550),
       Freshness::kRequiresValidation},
      {"request max-stale",
       {{"date", date}, {"cache-control", "max-age=60"}},
       "max-stale=30",
       seconds(80),
       Freshness::kFresh},
      {"max-stale exceeded",
       {{"date", date}, {"cache-control", "max-age=60"}},
       "max-stale=30",
       seconds(91),
       Freshness::kRequiresValidation},
      {"must-revalidate beats max-stale",
       {{"date", date}, {"cache-control", "max-age=60, must-revalidate"}},
       "max-stale",
       seconds(80),
       Freshness::kRequiresValidation},
      {"stale without any validator",
       {{"cache-control", "max-age=1"}},
       "",
       seconds(5),
       Freshness::kUnusable},
  };
  for (const FreshnessRow& row : rows) {
    http::HeaderMap request = get();
    if (!row.request_cache_control.empty()) request.set("cache-control", row.request_cache_control);
    EXPECT_EQ(freshness(*c, request, row.stored, kDate, kDate + row.resident), row.expected)
        << row.name;
  }
}

TEST(CachePolicy, CurrentAgeUsesApparentAgeAndAgeHeader) {
  // Received 10 s after its Date, with Age: 3 -> initial age 10; 5 s resident -> 15.
  const http::HeaderMap stored = {{"date", "Sun, 06 Nov 1994 08:49:37 GMT"}, {"age", "3"}};
  EXPECT_EQ(currentAge(stored, kDate + seconds(10), kDate + seconds(15)), seconds(15));
  const http::HeaderMap aged = {{"date", "Sun, 06 Nov 1994 08:49:37 GMT"}, {"age", "30"}};
  EXPECT_EQ(currentAge(aged, kDate + seconds(10), kDate + seconds(15)), seconds(35));
}

TEST(CachePolicy, KeyAndQueryParameters) {
  auto c = config();
  EXPECT_EQ(cacheKey(*c, get("/p?b=2&a=1#frag")), "https://example.com/p?b=2&a=1");
  auto host_only = config("key_creator_params: {exclude_scheme: true}");
  EXPECT_EQ(cacheKey(*host_only, get("/p")), "example.com/p");
  auto path_only = config("key_creator_params: {exclude_scheme: true, exclude_host: true}");
  EXPECT_EQ(cacheKey(*path_only, get("/p")), "/p");
  auto included = config(
      "key_creator_params: {query_parameters_included: [{name: id, present_match: true}, {name: v, "
      "present_match: true}]}");
  EXPECT_EQ(cacheKey(*included, get("/p?utm=x&id=7&v=2")), "https://example.com/p?id=7&v=2");
  auto excluded =
      config("key_creator_params: {query_parameters_excluded: [{name: utm, present_match: true}]}");
  EXPECT_EQ(cacheKey(*excluded, get("/p?utm=x&id=7")), "https://example.com/p?id=7");
  EXPECT_EQ(cacheKey(*excluded, get("/p?utm=x")), "https://example.com/p");
}

TEST(CachePolicy, VaryIdentifier) {
  http::HeaderMap a = get();
  a.set("accept-encoding", "gzip");
  http::HeaderMap b = get();
  b.set("accept-encoding", "br");
  EXPECT_NE(varyIdentifier("Accept-Encoding", a), varyIdentifier("Accept-Encoding", b));
  EXPECT_EQ(varyIdentifier("accept-encoding", a), varyIdentifier("Accept-Encoding", a));
  EXPECT_NE(varyIdentifier("accept-encoding", a), varyIdentifier("accept-encoding", get()));
}

TEST(CachePolicy, ValidationHeadersAnd304Update) {
  http::HeaderMap request = get();
  EXPECT_FALSE(addValidationHeaders({{"cache-control", "max-age=1"}}, request));
  const http::HeaderMap stored = {{":status", "200"},
                                  {"etag", "\"v1\""},
                                  {"last-modified", "Sat, 05 Nov 1994 08:49:37 GMT"},
                                  {"content-length", "5"},
                                  {"cache-control", "max-age=1"}};
  EXPECT_TRUE(addValidationHeaders(stored, request));
  EXPECT_EQ(request.get("if-none-match"), "\"v1\"");
  EXPECT_EQ(request.get("if-modified-since"), "Sat, 05 Nov 1994 08:49:37 GMT");

  http::HeaderMap updated = stored;
  updateStoredHeaders({{":status", "304"},
                       {"cache-control", "max-age=100"},
                       {"content-length", "0"},
                       {"etag", "\"v1\""}},
                      updated);
  EXPECT_EQ(updated.get(":status"), "200");
  EXPECT_EQ(updated.get("cache-control"), "max-age=100");
  EXPECT_EQ(updated.get("content-length"), "5");  // describes the stored body
  EXPECT_EQ(updated.count("etag"), 1u);
}

TEST(CacheConfig, TranslationAndErrors) {
  auto c = config(R"(
disabled: true
allowed_vary_headers: [{exact: accept-encoding}, {prefix: x-}]
max_body_bytes: 1024
ignore_request_cache_control_header: true
)");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->disabled);
  EXPECT_EQ(c->allowed_vary_headers.size(), 2u);
  EXPECT_EQ(c->max_body_bytes, 1024u);
  EXPECT_TRUE(c->ignore_request_cache_control_header);

  EXPECT_FALSE(translateCacheConfig(Proto()).ok());
  auto other = translateCacheConfig(test::protoFromYaml<Proto>(
      "typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors}"));
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("envoy.extensions.filters.http.cors.v3.Cors"),
            std::string::npos);
}

}  // namespace
}  // namespace meshproxy::filters::cache
