#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/core/time_source.h"
#include "proxy/filters/http/cache/cache_config.h"
#include "proxy/http/header_map.h"

// The RFC 9111 rules of envoy.filters.http.cache (Envoy's CacheabilityUtils, CacheHeadersUtils,
// LookupRequest), as functions of headers and times: which requests may be answered from the
// cache, which responses may be stored, under what key, and whether a stored response is fresh.
namespace meshproxy::filters::cache {

// A request the cache may answer: GET or HEAD with :path and a host, no Authorization, no
// Range (passed through: partial responses are not cached), no conditional header
// (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range: the client
// validates its own copy with the origin), and no Cache-Control: no-store (unless
// ignore_request_cache_control_header).
bool isCacheableRequest(const CacheConfig& config, const http::HeaderMap& request);

// A response the cache may store: no no-store or private, a status cacheable by default
// (RFC 9110 15.1: 200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 451, 501), an explicit
// lifetime (s-maxage/max-age or Expires) or no-cache with a validator, and a Vary naming only
// allowed headers. The body size is checked by the store.
bool isCacheableResponse(const CacheConfig& config, const http::HeaderMap& response);

// Vary lists only headers in allowed_vary_headers (and not "*"), or no Vary at all.
bool isVaryAllowed(const CacheConfig& config, const http::HeaderMap& response);

// The request's values of the headers the response varies on, as one string: stored with the
// entry, a lookup uses an entry only when its request gives the same string.
std::string varyIdentifier(std::string_view vary, const http::HeaderMap& request);

// The key: "<scheme>://<host><path>" (minus what key_creator_params exclude), the query
// reduced to the parameters key_creator_params keep, in their order.
std::string cacheKey(const CacheConfig& config, const http::HeaderMap& request);

enum class Freshness : uint8_t {
  kFresh,               // serve it
  kRequiresValidation,  // ask the origin first (conditional request), unless it cannot be
  kUnusable,            // stale, no validator: fetch anew
};

// A stored response's state for a request, at `now`. `response_time`: when the response was
// received (or last validated). RFC 9111 4.2: current_age from Date, Age and the time resident;
// freshness_lifetime from s-maxage/max-age, else Expires - Date; then the request's max-age,
// min-fresh, max-stale and no-cache, and the response's no-cache and must-revalidate.
Freshness freshness(const CacheConfig& config, const http::HeaderMap& request,
                    const http::HeaderMap& stored, SystemTime response_time, SystemTime now);

// The current age of a stored response (RFC 9111 4.2.3), for the Age header of a cached answer.
std::chrono::seconds currentAge(const http::HeaderMap& stored, SystemTime response_time,
                                SystemTime now);

// Turns a request into the conditional request that validates `stored`: If-None-Match from its
// ETag, If-Modified-Since from its Last-Modified (else its Date). False when it has neither
// ETag, Last-Modified nor Date (nothing to validate with).
bool addValidationHeaders(const http::HeaderMap& stored, http::HeaderMap& request);

// A 304 answer to a validation refreshes the stored headers (RFC 9111 4.3.4): its headers
// replace the stored ones of the same name, except the framing and content headers.
void updateStoredHeaders(const http::HeaderMap& not_modified, http::HeaderMap& stored);

}  // namespace meshproxy::filters::cache
