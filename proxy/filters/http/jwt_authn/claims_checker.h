#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "proxy/filters/http/jwt_authn/jwt.h"
#include "proxy/matcher/string_matcher.h"

namespace meshproxy::filters::jwt_authn {

// Envoy's audience comparison: "http://" or "https://" and one trailing '/' are ignored on both
// sides, so "https://api.example.com/" allows "api.example.com". No configured audience allows
// every token.
class AudienceChecker {
 public:
  explicit AudienceChecker(const std::vector<std::string>& allowed);
  bool allows(const std::vector<std::string>& token_audiences) const;
  bool empty() const { return allowed_.empty(); }

 private:
  absl::flat_hash_set<std::string> allowed_;
};

// A provider's claim rules (JwtProvider fields), checked before the signature, as Envoy does.
struct ClaimRules {
  std::string issuer;                                      // "": any iss
  std::shared_ptr<const AudienceChecker> audiences;        // never null
  std::shared_ptr<const matcher::StringMatcher> subjects;  // null: any sub
  bool require_expiration = false;
  std::optional<uint64_t> max_lifetime_seconds;  // remaining lifetime (exp - now) at most this
  uint64_t clock_skew_seconds = 60;              // Envoy's default
};

// In Envoy's order: iss (kJwtUnknownIssuer), nbf and exp with the clock skew, exp required by
// require_expiration or max_lifetime, the remaining lifetime, aud (`audiences` replaces the
// provider's, for provider_and_audiences), sub. `now` is Unix seconds.
JwtStatus checkClaims(const Jwt& jwt, const ClaimRules& rules, const AudienceChecker* audiences,
                      uint64_t now);

// Only the time part: nbf <= now + skew, and exp (when present) >= now - skew.
JwtStatus checkTime(const Jwt& jwt, uint64_t now, uint64_t clock_skew_seconds);

}  // namespace meshproxy::filters::jwt_authn
