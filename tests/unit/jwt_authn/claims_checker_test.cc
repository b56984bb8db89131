// Claim checks: exp/nbf edges with clock skew, issuer, audiences (Envoy's sanitizing),
// subjects, require_expiration and max_lifetime.

#include "proxy/filters/http/jwt_authn/claims_checker.h"

#include <gtest/gtest.h>

namespace meshproxy::filters::jwt_authn {
namespace {

constexpr uint64_t kNow = 1'700'000'000;

Jwt jwtWith(uint64_t nbf, uint64_t exp) {
  Jwt jwt;
  jwt.iss = "https://issuer.example";
  jwt.sub = "spiffe://cluster.local/ns/default/sa/alice";
  jwt.audiences = {"https://api.example.com/"};
  jwt.nbf = nbf;
  jwt.exp = exp;
  return jwt;
}

ClaimRules rules(uint64_t skew = 60) {
  ClaimRules r;
  r.issuer = "https://issuer.example";
  r.audiences = std::make_shared<const AudienceChecker>(std::vector<std::string>{});
  r.clock_skew_seconds = skew;
  return r;
}

TEST(ClaimsCheckerTest, ExpiryEdgesWithSkew) {
  // Valid until exp + skew inclusive.
  EXPECT_EQ(checkTime(jwtWith(0, kNow - 60), kNow, 60), JwtStatus::kOk);
  EXPECT_EQ(checkTime(jwtWith(0, kNow - 61), kNow, 60), JwtStatus::kJwtExpired);
  EXPECT_EQ(checkTime(jwtWith(0, kNow), kNow, 0), JwtStatus::kOk);
  EXPECT_EQ(checkTime(jwtWith(0, kNow - 1), kNow, 0), JwtStatus::kJwtExpired);
  // exp 0 means absent.
  EXPECT_EQ(checkTime(jwtWith(0, 0), kNow, 0), JwtStatus::kOk);
}

TEST(ClaimsCheckerTest, NotBeforeEdgesWithSkew) {
  EXPECT_EQ(checkTime(jwtWith(kNow + 60, 0), kNow, 60), JwtStatus::kOk);
  EXPECT_EQ(checkTime(jwtWith(kNow + 61, 0), kNow, 60), JwtStatus::kJwtNotYetValid);
  EXPECT_EQ(checkTime(jwtWith(kNow, 0), kNow, 0), JwtStatus::kOk);
  EXPECT_EQ(checkTime(jwtWith(kNow + 1, 0), kNow, 0), JwtStatus::kJwtNotYetValid);
  // Huge claims do not wrap around.
  EXPECT_EQ(checkTime(jwtWith(0, (1ull << 63) - 1), kNow, 1ull << 32), JwtStatus::kOk);
  EXPECT_EQ(checkTime(jwtWith((1ull << 63) - 1, 0), kNow, 1ull << 32), JwtStatus::kJwtNotYetValid);
}

TEST(ClaimsCheckerTest, Issuer) {
  EXPECT_EQ(checkClaims(jwtWith(0, 0), rules(), nullptr, kNow), JwtStatus::kOk);
  Jwt other = jwtWith(0, 0);
  other.iss = "https://issuer.example/";
  EXPECT_EQ(checkClaims(other, rules(), nullptr, kNow), JwtStatus::kJwtUnknownIssuer);
  ClaimRules any = rules();
  any.issuer.clear();
  EXPECT_EQ(checkClaims(other, any, nullptr, kNow), JwtStatus::kOk);
  // The issuer is checked before time, as in Envoy.
  Jwt expired_other = jwtWith(0, 1);
  expired_other.iss = "x";
  EXPECT_EQ(checkClaims(expired_other, rules(), nullptr, kNow), JwtStatus::kJwtUnknownIssuer);
}

TEST(ClaimsCheckerTest, AudiencesAreSanitizedAsInEnvoy) {
  AudienceChecker checker({"api.example.com", "http://other/"});
  EXPECT_TRUE(checker.allows({"https://api.example.com/"}));
  EXPECT_TRUE(checker.allows({"api.example.com"}));
  EXPECT_TRUE(checker.allows({"x", "other"}));
  EXPECT_FALSE(checker.allows({"api.example.com.evil"}));
  EXPECT_FALSE(checker.allows({}));
  EXPECT_TRUE(AudienceChecker({}).allows({}));

  ClaimRules r = rules();
  r.audiences = std::make_shared<const AudienceChecker>(std::vector<std::string>{"nope"});
  EXPECT_EQ(checkClaims(jwtWith(0, 0), r, nullptr, kNow), JwtStatus::kJwtAudienceNotAllowed);
  // provider_and_audiences replaces the provider's list.
  AudienceChecker override_checker({"api.example.com"});
  EXPECT_EQ(checkClaims(jwtWith(0, 0), r, &override_checker, kNow), JwtStatus::kOk);
}

TEST(ClaimsCheckerTest, Subjects) {
  ClaimRules r = rules();
  r.subjects = std::make_shared<const matcher::StringMatcher>(matcher::StringMatcher::Kind::kPrefix,
                                                              "spiffe://cluster.local/", false);
  EXPECT_EQ(checkClaims(jwtWith(0, 0), r, nullptr, kNow), JwtStatus::kOk);
  Jwt other = jwtWith(0, 0);
  other.sub = "spiffe://evil/ns/x";
  EXPECT_EQ(checkClaims(other, r, nullptr, kNow), JwtStatus::kJwtSubjectNotAllowed);
}

TEST(ClaimsCheckerTest, RequireExpirationAndMaxLifetime) {
  ClaimRules r = rules();
  r.require_expiration = true;
  EXPECT_EQ(checkClaims(jwtWith(0, 0), r, nullptr, kNow), JwtStatus::kJwtMissingExpiration);
  EXPECT_EQ(checkClaims(jwtWith(0, kNow + 10), r, nullptr, kNow), JwtStatus::kOk);
  ClaimRules lifetime = rules();
  lifetime.max_lifetime_seconds = 3600;
  EXPECT_EQ(checkClaims(jwtWith(0, 0), lifetime, nullptr, kNow), JwtStatus::kJwtMissingExpiration);
  EXPECT_EQ(checkClaims(jwtWith(0, kNow + 3600), lifetime, nullptr, kNow), JwtStatus::kOk);
  EXPECT_EQ(checkClaims(jwtWith(0, kNow + 3601), lifetime, nullptr, kNow),
            JwtStatus::kJwtLifetimeTooLong);
}

}  // namespace
}  // namespace meshproxy::filters::jwt_authn
