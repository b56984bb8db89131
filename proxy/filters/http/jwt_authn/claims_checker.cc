#include "proxy/filters/http/jwt_authn/claims_checker.h"

#include "proxy/core/strings.h"

namespace meshproxy::filters::jwt_authn {
namespace {

std::string_view sanitizeAudience(std::string_view aud) {
  if (aud.starts_with("http://")) {
    aud.remove_prefix(7);
  } else if (aud.starts_with("https://")) {
    aud.remove_prefix(8);
  }
  if (!aud.empty() && aud.back() == '/') aud.remove_suffix(1);
  return aud;
}

}  // namespace

AudienceChecker::AudienceChecker(const std::vector<std::string>& allowed) {
  for (const auto& a : allowed) allowed_.insert(std::string(sanitizeAudience(a)));
}

bool AudienceChecker::allows(const std::vector<std::string>& token_audiences) const {
  if (allowed_.empty()) return true;
  for (const auto& a : token_audiences) {
    if (allowed_.contains(toAbsl(sanitizeAudience(a)))) return true;
  }
  return false;
}

JwtStatus checkTime(const Jwt& jwt, uint64_t now, uint64_t clock_skew_seconds) {
  // Claims are below 2^63 (json_object.cc) and so is any sane clock: no overflow.
  if (now + clock_skew_seconds < jwt.nbf) return JwtStatus::kJwtNotYetValid;
  if (jwt.exp != 0 && jwt.exp + clock_skew_seconds < now) return JwtStatus::kJwtExpired;
  return JwtStatus::kOk;
}

JwtStatus checkClaims(const Jwt& jwt, const ClaimRules& rules, const AudienceChecker* audiences,
                      uint64_t now) {
  if (!rules.issuer.empty() && jwt.iss != rules.issuer) return JwtStatus::kJwtUnknownIssuer;
  JwtStatus s = checkTime(jwt, now, rules.clock_skew_seconds);
  if (s != JwtStatus::kOk) return s;
  if (jwt.exp == 0 && (rules.require_expiration || rules.max_lifetime_seconds)) {
    return JwtStatus::kJwtMissingExpiration;
  }
  if (rules.max_lifetime_seconds && jwt.exp > now && jwt.exp - now > *rules.max_lifetime_seconds) {
    return JwtStatus::kJwtLifetimeTooLong;
  }
  const AudienceChecker* checker = audiences != nullptr ? audiences : rules.audiences.get();
  if (checker != nullptr && !checker->allows(jwt.audiences)) {
    return JwtStatus::kJwtAudienceNotAllowed;
  }
  if (rules.subjects && !rules.subjects->match(jwt.sub)) return JwtStatus::kJwtSubjectNotAllowed;
  return JwtStatus::kOk;
}

}  // namespace meshproxy::filters::jwt_authn
