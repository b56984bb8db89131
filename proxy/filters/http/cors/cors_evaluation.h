#pragma once

#include <span>
#include <string>
#include <string_view>

#include "proxy/core/random.h"
#include "proxy/filters/http/cors/cors_policy.h"
#include "proxy/http/header_map.h"
#include "proxy/stats/counter.h"

// What envoy.filters.http.cors does to a request and its response, from the route's policies:
// decodeHeaders calls evaluateRequest() (and answers a preflight itself with
// preflightResponse()); encodeHeaders, and every local reply of the stream (401, 403, 429 ...),
// call addResponseHeaders().
namespace meshproxy::filters::cors {

// http.<stat_prefix>.cors.origin_valid / origin_invalid.
struct CorsStats {
  stats::Counter* origin_valid = nullptr;
  stats::Counter* origin_invalid = nullptr;
};

enum class CorsAction : uint8_t {
  kContinue,         // not a CORS request for this filter (no policy, disabled, no Origin)
  kCors,             // a CORS request: pass it on, add headers to its response
  kAnswerPreflight,  // a preflight: answer it with preflightResponse(), do not forward
};

// What the filter keeps for the response. `allowed_origin` is empty when the origin matched
// no policy: the response then gets no CORS header.
struct CorsRequestState {
  CorsAction action = CorsAction::kContinue;
  std::string allowed_origin;
};

// `policies`: the route's, then its virtual host's (most specific first; null entries are
// skipped); Envoy takes each field from the first policy that sets it, and enabled/shadow
// from the first policy. `random`: one draw for filter_enabled, one for shadow_enabled, only
// when the policy sets them.
CorsRequestState evaluateRequest(std::span<const CorsPolicy* const> policies,
                                 const http::HeaderMap& request, RandomSource& random,
                                 const CorsStats& stats);

// The 200 answer to a preflight: Access-Control-Allow-Origin (when the origin is allowed),
// -Allow-Credentials, -Allow-Methods, -Allow-Headers ("*" echoes the request's), -Max-Age,
// -Allow-Private-Network.
http::HeaderMap preflightResponse(std::span<const CorsPolicy* const> policies,
                                  const http::HeaderMap& request, const CorsRequestState& state);

// Access-Control-Allow-Origin, -Allow-Credentials, -Expose-Headers on a CORS request's
// response (from the upstream or a local reply). Nothing when the origin was not allowed.
void addResponseHeaders(std::span<const CorsPolicy* const> policies, const CorsRequestState& state,
                        http::HeaderMap& response);

}  // namespace meshproxy::filters::cors
