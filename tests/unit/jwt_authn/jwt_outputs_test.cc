// What a verified token does: header removal, forwarded payload, claims to headers, metadata.

#include "proxy/filters/http/jwt_authn/jwt_outputs.h"

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "proxy/filters/http/jwt_authn/base64url.h"
#include "proxy/http/header_map.h"

namespace meshproxy::filters::jwt_authn {
namespace {

constexpr const char* kPayload =
    R"({"sub":"alice","n":42,"f":1.5,"admin":true,"scope":"read  write","org":{"id":"o1"},"g":["a","b"]})";

VerifiedJwt verified(const JwtProviderConfig& p, TokenLocation* location) {
  VerifiedJwt v;
  v.provider = &p;
  auto jwt = std::make_shared<Jwt>();
  const std::string token = base64UrlEncode(R"({"alg":"HS256","kid":"k"})") + "." +
                            base64UrlEncode(kPayload) + "." + base64UrlEncode("s");
  EXPECT_EQ(parseJwt(token, jwt.get()), JwtStatus::kOk);
  v.jwt = jwt;
  v.source = ExtractedToken{token, location};
  return v;
}

TEST(JwtOutputsTest, HeadersFromAVerifiedToken) {
  TokenLocation auth;
  auth.name = "authorization";
  JwtProviderConfig p;
  p.forward_payload_header = "x-jwt-payload";
  p.pad_forward_payload_header = true;
  p.claim_to_headers = {{"x-sub", "sub"},     {"x-n", "n"},        {"x-f", "f"},
                        {"x-admin", "admin"}, {"x-org", "org.id"}, {"x-groups", "g"},
                        {"x-none", "missing"}};
  http::HeaderMap h{{":path", "/"}, {"authorization", "Bearer t"}};
  VerifiedJwt v = verified(p, &auth);
  applyVerifiedJwtHeaders(v, h);
  EXPECT_FALSE(h.has("authorization"));  // forward: false
  const std::string payload(h.get("x-jwt-payload").value_or(""));
  EXPECT_EQ(payload.size() % 4, 0u);
  EXPECT_EQ(payload.substr(0, v.jwt->payloadBase64Url().size()), v.jwt->payloadBase64Url());
  EXPECT_EQ(h.get("x-sub").value_or(""), "alice");
  EXPECT_EQ(h.get("x-n").value_or(""), "42");
  EXPECT_EQ(h.get("x-f").value_or(""), "1.5");
  EXPECT_EQ(h.get("x-admin").value_or(""), "true");
  EXPECT_EQ(h.get("x-org").value_or(""), "o1");
  std::string groups;
  ASSERT_TRUE(absl::Base64Unescape(std::string(h.get("x-groups").value_or("")), &groups));
  EXPECT_EQ(groups, R"(["a","b"])");
  EXPECT_FALSE(h.has("x-none"));

  p.forward = true;
  p.pad_forward_payload_header = false;
  http::HeaderMap kept{{":path", "/"}, {"authorization", "Bearer t"}};
  applyVerifiedJwtHeaders(verified(p, &auth), kept);
  EXPECT_TRUE(kept.has("authorization"));
  EXPECT_EQ(kept.get("x-jwt-payload").value_or(""), v.jwt->payloadBase64Url());
}

TEST(JwtOutputsTest, Metadata) {
  TokenLocation auth;
  JwtProviderConfig p;
  p.payload_in_metadata = "claims";
  p.space_delimited_claims = {"scope", "sub", "n"};
  p.header_in_metadata = "jose";
  google::protobuf::Struct ns;
  addVerifiedJwtMetadata(verified(p, &auth), ns);
  const auto& claims = ns.fields().at("claims").struct_value().fields();
  ASSERT_EQ(claims.at("scope").list_value().values_size(), 2);
  EXPECT_EQ(claims.at("scope").list_value().values(1).string_value(), "write");
  EXPECT_EQ(claims.at("sub").list_value().values(0).string_value(), "alice");
  EXPECT_EQ(claims.at("n").number_value(), 42);  // not a string: left alone
  EXPECT_EQ(ns.fields().at("jose").struct_value().fields().at("kid").string_value(), "k");

  p.failed_status_in_metadata = "failure";
  google::protobuf::Struct failed;
  addFailedStatusMetadata(p, JwtStatus::kJwtExpired, failed);
  EXPECT_EQ(failed.fields().at("failure").struct_value().fields().at("message").string_value(),
            "Jwt is expired");
}

TEST(JwtOutputsTest, WwwAuthenticateAndCorsPreflight) {
  http::HeaderMap h{{":method", "GET"},
                    {":scheme", "https"},
                    {":authority", "api.example"},
                    {":path", "/orders?x=1"}};
  // Envoy's buildOriginalUri: the path as received, query included.
  EXPECT_EQ(wwwAuthenticateValue(h, JwtStatus::kJwtExpired),
            R"(Bearer realm="https://api.example/orders?x=1", error="invalid_token")");
  // No token: only the realm.
  EXPECT_EQ(wwwAuthenticateValue(h, JwtStatus::kJwtMissed),
            R"(Bearer realm="https://api.example/orders?x=1")");
  // A rewritten path: the original one, cut at 256 bytes.
  h.set("x-envoy-original-path", "/" + std::string(300, 'a'));
  EXPECT_EQ(wwwAuthenticateValue(h, JwtStatus::kJwtMissed),
            "Bearer realm=\"https://api.example/" + std::string(255, 'a') + "\"");
  EXPECT_FALSE(isCorsPreflight(h));
  http::HeaderMap preflight{
      {":method", "OPTIONS"}, {"origin", "https://a"}, {"access-control-request-method", "POST"}};
  EXPECT_TRUE(isCorsPreflight(preflight));
  preflight.remove("origin");
  EXPECT_FALSE(isCorsPreflight(preflight));
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
