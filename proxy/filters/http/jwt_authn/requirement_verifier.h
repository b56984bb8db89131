#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/filters/http/jwt_authn/jwt.h"
#include "proxy/filters/http/jwt_authn/jwt_authn_config.h"
#include "proxy/filters/http/jwt_authn/token_extractor.h"

namespace meshproxy::filters::jwt_authn {

// The keys a provider verifies with: its local_jwks, or its remote JWKS while the cache has it
// fresh (JwksCache); nullptr when a remote JWKS must be fetched first.
class JwksLookup {
 public:
  virtual ~JwksLookup() = default;
  virtual std::shared_ptr<const Jwks> find(const JwtProviderConfig& provider) const = 0;
};

// Only local_jwks (tests, and configs without remote_jwks).
class LocalJwksLookup : public JwksLookup {
 public:
  std::shared_ptr<const Jwks> find(const JwtProviderConfig& provider) const override {
    return provider.local_jwks;
  }
};

// A token that passed every check, with its provider and where it came from.
struct VerifiedJwt {
  const JwtProviderConfig* provider = nullptr;
  std::shared_ptr<const Jwt> jwt;
  ExtractedToken source;
};

// A token that named a provider (by location or issuer) and failed its checks.
struct FailedJwt {
  const JwtProviderConfig* provider = nullptr;
  JwtStatus status = JwtStatus::kOk;
};

struct VerifyResult {
  // kOk: the request may pass. When pending(), kJwksFetchFail (never kOk), so a caller that
  // ignores pending() fails closed.
  JwtStatus status = JwtStatus::kOk;
  // Tokens verified on the way (also under allow_missing_or_failed); the caller applies them
  // (jwt_outputs.h) when status is kOk.
  std::vector<VerifiedJwt> verified;
  // Tokens that failed once their provider was known (failed_status_in_metadata).
  std::vector<FailedJwt> failed;
  // remote_jwks providers whose keys are not cached: fetch them, then verify again.
  std::vector<const JwtProviderConfig*> jwks_needed;
  // remote_jwks providers whose cached keys lack a token's kid: JwksCache decides whether to
  // refetch once; after a refetch, verify again.
  std::vector<const JwtProviderConfig*> unknown_kid;

  bool pending() const { return !jwks_needed.empty(); }
};

// Evaluates a requirement (provider_name, provider_and_audiences, requires_any, requires_all,
// allow_missing, allow_missing_or_failed) against a request with Envoy's semantics:
// - a provider requirement takes tokens from that provider's locations; none is "Jwt is
//   missing"; every token found must verify (a good token next to a bad one fails);
// - allow_missing and allow_missing_or_failed look at every provider's locations and pick the
//   provider by the token's issuer; no token (or an unknown issuer) passes; allow_missing fails
//   on an invalid token, allow_missing_or_failed never fails;
// - requires_any passes if one child passes; otherwise the error reported prefers a real
//   failure over "missing" (allow_missing* children make it pass as above);
// - requires_all fails with its first failing child.
// Synchronous: keys come from `jwks`; with a remote JWKS missing the result is pending().
class RequirementVerifier {
 public:
  // Builds the token extractors (one per provider, one for all) from `config`, which must
  // outlive the verifier.
  explicit RequirementVerifier(const JwtAuthnConfig& config);

  VerifyResult verify(const Requirement& requirement, const http::HeaderMap& headers,
                      const JwksLookup& jwks, uint64_t now_seconds) const;

  // Removes forward_payload_header and claim_to_headers headers of every provider from a
  // request before verification (a client must not forge them).
  void sanitizeHeaders(http::HeaderMap& headers) const { all_->sanitizeHeaders(headers); }

 private:
  struct Context;
  JwtStatus evaluate(const Requirement& r, Context& ctx) const;
  JwtStatus authenticate(const std::vector<ExtractedToken>& tokens, const JwtProviderConfig* fixed,
                         const AudienceChecker* audiences, bool allow_failed, bool allow_missing,
                         Context& ctx) const;
  JwtStatus verifyToken(const ExtractedToken& token, const JwtProviderConfig* fixed,
                        const AudienceChecker* audiences, Context& ctx) const;

  const JwtAuthnConfig& config_;
  absl::flat_hash_map<const JwtProviderConfig*, std::unique_ptr<TokenExtractor>> per_provider_;
  std::unique_ptr<TokenExtractor> all_;
};

}  // namespace meshproxy::filters::jwt_authn
