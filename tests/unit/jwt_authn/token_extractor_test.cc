// Where tokens are found: headers with value_prefix, query parameters, cookies, defaults.

#include "proxy/filters/http/jwt_authn/token_extractor.h"

#include <gtest/gtest.h>

#include "proxy/http/header_map.h"

namespace meshproxy::filters::jwt_authn {
namespace {

std::vector<std::string> tokens(const TokenExtractor& e, const http::HeaderMap& h) {
  std::vector<std::string> out;
  for (const auto& t : e.extract(h)) out.push_back(t.token);
  return out;
}

TEST(TokenExtractorTest, DefaultLocationsAreBearerAndAccessToken) {
  JwtProviderConfig p;
  p.claims.issuer = "https://a";
  TokenExtractor e({&p});
  http::HeaderMap h{{":path", "/x?access_token=q.r.s&y=1"}, {"authorization", "Bearer a.b.c"}};
  EXPECT_EQ(tokens(e, h), (std::vector<std::string>{"a.b.c", "q.r.s"}));
  http::HeaderMap basic{{":path", "/x"}, {"authorization", "Basic dXNlcjpwYXNz"}};
  EXPECT_TRUE(tokens(e, basic).empty());
  auto found = e.extract(h);
  EXPECT_TRUE(found[0].location->allowsIssuer("https://a"));
  EXPECT_FALSE(found[0].location->allowsIssuer("https://b"));
}

TEST(TokenExtractorTest, HeaderWithPrefixAndRepeatedValues) {
  JwtProviderConfig p;
  p.from_headers = {{"x-jwt", "Token "}, {"x-raw", ""}};
  TokenExtractor e({&p});
  http::HeaderMap h{{":path", "/"},
                    {"x-jwt", "Token   a.b.c"},
                    {"x-jwt", "v=1, Token d.e.f;rest"},
                    {"x-jwt", "no prefix here"},
                    {"x-raw", "g.h.i"}};
  EXPECT_EQ(tokens(e, h), (std::vector<std::string>{"a.b.c", "d.e.f;rest", "g.h.i"}));
}

TEST(TokenExtractorTest, ParamsAreDecodedAndFirstWins) {
  JwtProviderConfig p;
  p.from_params = {"jwt"};
  TokenExtractor e({&p});
  http::HeaderMap h{{":path", "/x?a=1&j%77t=a%2Eb.c&jwt=second#frag"}};
  EXPECT_EQ(tokens(e, h), std::vector<std::string>{"a.b.c"});
  http::HeaderMap none{{":path", "/x?jwtx=1"}};
  EXPECT_TRUE(tokens(e, none).empty());
  http::HeaderMap fragment_only{{":path", "/x#?jwt=1"}};
  EXPECT_TRUE(tokens(e, fragment_only).empty());
}

TEST(TokenExtractorTest, Cookies) {
  JwtProviderConfig p;
  p.from_cookies = {"session", "other"};
  TokenExtractor e({&p});
  http::HeaderMap h{
      {":path", "/"}, {"cookie", "a=1; session=\"a.b.c\""}, {"cookie", "other=d.e.f"}};
  EXPECT_EQ(tokens(e, h), (std::vector<std::string>{"d.e.f", "a.b.c"}));  // name order
}

TEST(TokenExtractorTest, ProvidersShareLocationsAndIssuers) {
  JwtProviderConfig a, b;
  a.claims.issuer = "https://a";
  b.claims.issuer = "https://b";
  TokenExtractor e({&a, &b});
  http::HeaderMap h{{":path", "/"}, {"authorization", "Bearer a.b.c"}};
  auto found = e.extract(h);
  ASSERT_EQ(found.size(), 1u);  // one location, not one per provider
  EXPECT_TRUE(found[0].location->allowsIssuer("https://a"));
  EXPECT_TRUE(found[0].location->allowsIssuer("https://b"));
}

TEST(TokenExtractorTest, RemoveTokenAndSanitize) {
  JwtProviderConfig p;
  p.from_params = {"jwt"};
  p.forward_payload_header = "x-jwt-payload";
  p.claim_to_headers = {{"x-sub", "sub"}};
  p.from_headers = {{"authorization", "Bearer "}};
  TokenExtractor e({&p});
  http::HeaderMap h{{":path", "/?jwt=x.y.z"},
                    {"authorization", "Bearer a.b.c"},
                    {"x-jwt-payload", "forged"},
                    {"x-sub", "forged"}};
  e.sanitizeHeaders(h);
  EXPECT_FALSE(h.has("x-jwt-payload"));
  EXPECT_FALSE(h.has("x-sub"));
  for (const auto& t : e.extract(h)) TokenExtractor::removeToken(h, t);
  EXPECT_FALSE(h.has("authorization"));
  EXPECT_EQ(h.path(), "/?jwt=x.y.z");  // parameters stay, as in Envoy
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
