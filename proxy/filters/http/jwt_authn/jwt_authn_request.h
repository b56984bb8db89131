#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/filters/http/jwt_authn/jwt_outputs.h"
#include "proxy/filters/http/jwt_authn/requirement_verifier.h"

namespace google::protobuf {
class Struct;
}

// What envoy.filters.http.jwt_authn does with one request's headers, without the HTTP filter
// API: the filter (once the FilterManager rework gives it per-route config and dynamic
// metadata) calls authenticateRequest() from decodeHeaders and acts on the outcome. Stateless:
// after fetching JWKS the filter calls it again with the same headers.
namespace meshproxy::filters::jwt_authn {

struct JwtAuthnOutcome {
  enum class Kind : uint8_t {
    kContinue,   // let the request through (headers and metadata already updated)
    kFetchJwks,  // fetch `fetch`'s remote JWKS (through their clusters), then call again
    kDeny,       // send the local reply below
  };
  Kind kind = Kind::kContinue;
  JwtStatus status = JwtStatus::kOk;
  bool cors_preflight_bypassed = false;  // counted as jwt_authn.cors_preflight_bypassed
  // kContinue: a provider with clear_route_cache changed the headers (re-select the route).
  bool clear_route_cache = false;
  // kFetchJwks: providers whose keys are missing (or, with may_refetch_unknown_kid, whose
  // cached keys lack a token's kid).
  std::vector<const JwtProviderConfig*> fetch;
  // kDeny: 401 (403 for a disallowed audience or a wrong per-route requirement_name), Envoy's
  // status text as body and a www-authenticate header (not for a wrong requirement_name), both
  // left out with strip_failure_response; %RESPONSE_CODE_DETAILS%
  // "jwt_authn_access_denied{<text>}".
  uint32_t http_status = 0;
  std::string body;
  std::string www_authenticate;
  std::string details;
};

struct JwtAuthnRequestContext {
  const JwtAuthnConfig& config;
  const RequirementVerifier& verifier;
  const JwksLookup& jwks;
  // The route's PerRouteConfig; nullptr: the filter's rules choose the requirement.
  const JwtPerRouteConfig* per_route = nullptr;
  uint64_t now_seconds = 0;
  // The filter's JwksCache said a refetch for an unknown kid is due (shouldRefetchForUnknownKid).
  bool may_refetch_unknown_kid = false;
};

// Envoy's order: CORS preflight bypass; forgeable output headers removed; the requirement from
// the per-route config (disabled: pass; unknown requirement_name: 403) or the first matching
// rule; verification; on success the verified tokens' header changes and `metadata` (the
// "envoy.filters.http.jwt_authn" namespace: payload_in_metadata, header_in_metadata, and
// failed_status_in_metadata for tokens that failed under allow_missing_or_failed).
JwtAuthnOutcome authenticateRequest(const JwtAuthnRequestContext& context, http::HeaderMap& headers,
                                    google::protobuf::Struct& metadata);

// The answer to a request whose verification failed with `status` (the filter's own failures:
// a JWKS that could not be fetched). 401, or 403 for a disallowed audience.
JwtAuthnOutcome denyOutcome(const JwtAuthnConfig& config, const http::HeaderMap& headers,
                            JwtStatus status);

}  // namespace meshproxy::filters::jwt_authn
