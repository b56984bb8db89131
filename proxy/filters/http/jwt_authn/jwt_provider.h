#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/filters/http/jwt_authn/claims_checker.h"
#include "proxy/filters/http/jwt_authn/jwks.h"

namespace meshproxy::filters::jwt_authn {

// JwtProvider.from_headers[i]: the token is in header `name` after `value_prefix`.
struct JwtHeaderLocation {
  std::string name;  // lower-case
  std::string value_prefix;
};

// JwtProvider.claim_to_headers[i]: the claim (a dotted path into nested objects, "a.b") copied
// into a request header.
struct ClaimToHeader {
  std::string header_name;  // lower-case
  std::string claim_name;
};

// JwtProvider.remote_jwks: fetched per worker through `cluster` by remote_jwks_fetcher.h.
struct RemoteJwksConfig {
  std::string uri;
  std::string cluster;
  // The uri split for the request: "http://jwks.test:8080/keys" -> authority "jwks.test:8080"
  // and path "/keys".
  std::string authority;
  std::string path;
  std::chrono::milliseconds timeout{0};
  std::chrono::milliseconds cache_duration{600'000};  // Envoy's default: 10 minutes
  bool async_fetch = false;
  bool fast_listener = false;
  std::chrono::milliseconds failed_refetch_duration{1'000};  // Envoy's default
  // retry_policy (core.v3.RetryPolicy): num_retries and retry_back_off only.
  std::optional<uint32_t> num_retries;
  std::chrono::milliseconds retry_base_interval{1'000};
  std::chrono::milliseconds retry_max_interval{10'000};
};

// One envoy.extensions.filters.http.jwt_authn.v3.JwtProvider, translated and validated.
struct JwtProviderConfig {
  std::string name;
  ClaimRules claims;  // issuer, audiences, subjects, require_expiration, max_lifetime, clock skew

  // Exactly one of these: local_jwks (parsed at config time) or remote_jwks.
  std::shared_ptr<const Jwks> local_jwks;
  std::optional<RemoteJwksConfig> remote_jwks;

  // Where the token is. With none of the three set, Envoy's defaults: "authorization" with
  // "Bearer " and the "access_token" query parameter (see defaultLocations()).
  std::vector<JwtHeaderLocation> from_headers;
  std::vector<std::string> from_params;
  std::vector<std::string> from_cookies;

  // What to do with a verified token.
  bool forward = false;                // keep the token header (else it is removed)
  std::string forward_payload_header;  // lower-case; "" = none
  bool pad_forward_payload_header = false;
  std::string payload_in_metadata;  // key under "envoy.filters.http.jwt_authn"; "" = none
  std::vector<std::string> space_delimited_claims;  // normalize_payload_in_metadata
  std::string header_in_metadata;
  std::string failed_status_in_metadata;
  std::vector<ClaimToHeader> claim_to_headers;
  // The filter re-selects the route after adding headers (clear_route_cache).
  bool clear_route_cache = false;

  // Header locations in effect (from_headers, or the default Authorization: Bearer).
  bool usesDefaultLocations() const {
    return from_headers.empty() && from_params.empty() && from_cookies.empty();
  }
};

}  // namespace meshproxy::filters::jwt_authn
