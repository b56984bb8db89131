#include "proxy/filters/http/jwt_authn/requirement_verifier.h"

#include <algorithm>

#include "proxy/filters/http/jwt_authn/signature_verifier.h"

namespace meshproxy::filters::jwt_authn {

struct RequirementVerifier::Context {
  const http::HeaderMap& headers;
  const JwksLookup& jwks;
  uint64_t now;
  VerifyResult& result;
  bool pending = false;
};

namespace {

bool isMissing(JwtStatus s) {
  return s == JwtStatus::kJwtMissed || s == JwtStatus::kJwtUnknownIssuer;
}

void addOnce(std::vector<const JwtProviderConfig*>& list, const JwtProviderConfig* p) {
  if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(p);
}

}  // namespace

RequirementVerifier::RequirementVerifier(const JwtAuthnConfig& config) : config_(config) {
  std::vector<const JwtProviderConfig*> all;
  for (const auto& p : config.providers()) {
    all.push_back(p.get());
    per_provider_[p.get()] =
        std::make_unique<TokenExtractor>(std::vector<const JwtProviderConfig*>{p.get()});
  }
  all_ = std::make_unique<TokenExtractor>(all);
}

VerifyResult RequirementVerifier::verify(const Requirement& requirement,
                                         const http::HeaderMap& headers, const JwksLookup& jwks,
                                         uint64_t now_seconds) const {
  VerifyResult result;
  Context ctx{headers, jwks, now_seconds, result};
  result.status = evaluate(requirement, ctx);
  if (ctx.pending) result.status = JwtStatus::kJwksFetchFail;
  return result;
}

JwtStatus RequirementVerifier::evaluate(const Requirement& r, Context& ctx) const {
  switch (r.kind) {
    case Requirement::Kind::kNone:
      return JwtStatus::kOk;
    case Requirement::Kind::kProvider:
      return authenticate(per_provider_.at(r.provider)->extract(ctx.headers), r.provider,
                          r.audiences.get(), false, false, ctx);
    case Requirement::Kind::kAllowMissing:
    case Requirement::Kind::kAllowMissingOrFailed: {
      const bool failed_ok = r.kind == Requirement::Kind::kAllowMissingOrFailed;
      return authenticate(all_->extract(ctx.headers), nullptr, nullptr, failed_ok, true, ctx);
    }
    case Requirement::Kind::kAll:
      for (const auto& child : r.children) {
        const JwtStatus s = evaluate(*child, ctx);
        if (s != JwtStatus::kOk) return s;
      }
      return JwtStatus::kOk;
    case Requirement::Kind::kAny: {
      bool allow_missing = false;
      bool allow_failed = false;
      int regular = 0;
      JwtStatus final_status = JwtStatus::kJwtMissed;
      for (const auto& child : r.children) {
        if (child->kind == Requirement::Kind::kAllowMissing) {
          allow_missing = true;
          continue;
        }
        if (child->kind == Requirement::Kind::kAllowMissingOrFailed) {
          allow_failed = true;
          continue;
        }
        ++regular;
        const JwtStatus s = evaluate(*child, ctx);
        if (s == JwtStatus::kOk) return s;
        // Envoy's aggregation: a real error beats "unknown issuer", which beats "missing".
        if (!isMissing(s) || final_status == JwtStatus::kJwtMissed) final_status = s;
      }
      if (regular == 0) {
        // Only allow_missing* children: they still verify the tokens that are there.
        Requirement only;
        only.kind = allow_failed ? Requirement::Kind::kAllowMissingOrFailed
                                 : Requirement::Kind::kAllowMissing;
        return evaluate(only, ctx);
      }
      if (allow_failed) return JwtStatus::kOk;
      if (allow_missing && final_status == JwtStatus::kJwtMissed) return JwtStatus::kOk;
      return final_status;
    }
  }
  return JwtStatus::kJwtVerificationFail;
}

JwtStatus RequirementVerifier::authenticate(const std::vector<ExtractedToken>& tokens,
                                            const JwtProviderConfig* fixed,
                                            const AudienceChecker* audiences, bool allow_failed,
                                            bool allow_missing, Context& ctx) const {
  JwtStatus failure = JwtStatus::kOk;
  for (const ExtractedToken& token : tokens) {
    const JwtStatus s = verifyToken(token, fixed, audiences, ctx);
    if (s == JwtStatus::kOk) continue;
    if (!allow_failed && !allow_missing) return s;  // every token must verify
    // allow_missing: a token of an unknown issuer counts as missing; a real failure fails.
    if (!isMissing(s) && failure == JwtStatus::kOk) failure = s;
  }
  if (allow_failed) return JwtStatus::kOk;
  if (tokens.empty()) return allow_missing ? JwtStatus::kOk : JwtStatus::kJwtMissed;
  return failure;
}

JwtStatus RequirementVerifier::verifyToken(const ExtractedToken& token,
                                           const JwtProviderConfig* fixed,
                                           const AudienceChecker* audiences, Context& ctx) const {
  auto jwt = std::make_shared<Jwt>();
  JwtStatus s = parseJwt(token.token, jwt.get());
  if (s != JwtStatus::kOk) return s;
  if (!token.location->allowsIssuer(jwt->iss)) return JwtStatus::kJwtUnknownIssuer;
  const JwtProviderConfig* provider = fixed;
  if (provider == nullptr) {
    // Envoy's findByIssuer: the first provider (name order) of that issuer, or without one.
    for (const auto& p : config_.providers()) {
      if (p->claims.issuer.empty() || p->claims.issuer == jwt->iss) {
        provider = p.get();
        break;
      }
    }
    if (provider == nullptr) return JwtStatus::kJwtUnknownIssuer;
  }
  s = checkClaims(*jwt, provider->claims, audiences, ctx.now);
  if (s != JwtStatus::kOk) {
    ctx.result.failed.push_back({provider, s});
    return s;
  }
  std::shared_ptr<const Jwks> keys = ctx.jwks.find(*provider);
  if (!keys) {
    addOnce(ctx.result.jwks_needed, provider);
    ctx.pending = true;
    return JwtStatus::kJwksFetchFail;
  }
  s = verifySignature(*jwt, *keys);
  if (s == JwtStatus::kJwksKidAlgMismatch && provider->remote_jwks) {
    addOnce(ctx.result.unknown_kid, provider);
  }
  if (s != JwtStatus::kOk) {
    ctx.result.failed.push_back({provider, s});
    return s;
  }
  ctx.result.verified.push_back(VerifiedJwt{provider, std::move(jwt), token});
  return JwtStatus::kOk;
}

}  // namespace meshproxy::filters::jwt_authn
