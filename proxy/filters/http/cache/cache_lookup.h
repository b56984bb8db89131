#pragma once

#include <memory>
#include <string>

#include "proxy/core/time_source.h"
#include "proxy/filters/http/cache/cache_config.h"
#include "proxy/filters/http/cache/simple_http_cache.h"
#include "proxy/http/header_map.h"
#include "proxy/stats/counter.h"

// The cache filter's flow over one stream, without the filter API: decodeHeaders calls
// lookupRequest(); encodeHeaders calls onResponseHeaders(); the body of a response to store is
// copied aside (at most max_body_bytes) and finishInsert() stores it at end of stream.
namespace meshproxy::filters::cache {

// cache.{hit,miss,validate,uncacheable,insert} (meshproxy's names: Envoy's cache filter has no
// such counters yet). Null counters are skipped.
struct CacheStats {
  stats::Counter* hit = nullptr;
  stats::Counter* miss = nullptr;
  stats::Counter* validate = nullptr;
  stats::Counter* uncacheable = nullptr;
  stats::Counter* insert = nullptr;
};

enum class LookupOutcome : uint8_t {
  kUncacheable,       // pass the request through; do not store its response
  kMiss,              // forward; the response may be stored
  kHit,               // answer with servedHeaders(*entry) and the stored body, no upstream
  kValidate,          // forward the request, now conditional; a 304 means: use the entry
  kOnlyIfCachedMiss,  // only-if-cached and nothing usable: answer 504 (RFC 9111 5.2.1.7)
};

struct CacheLookup {
  LookupOutcome outcome = LookupOutcome::kUncacheable;
  std::string key;
  std::shared_ptr<const CachedResponse> entry;  // kHit, kValidate
  bool head = false;                            // a HEAD request: headers only
};

// May add If-None-Match / If-Modified-Since to `request` (kValidate).
CacheLookup lookupRequest(const CacheConfig& config, SimpleHttpCache& cache,
                          http::HeaderMap& request, SystemTime now, const CacheStats& stats);

// The stored headers as sent for a hit: Age set to the entry's current age.
http::HeaderMap servedHeaders(const CachedResponse& entry, SystemTime now);

enum class ResponseOutcome : uint8_t {
  kPassThrough,  // send the response as is, store nothing
  kStore,        // send it, and copy its body aside to store at the end
  kServeCached,  // a 304 to our validation: send the (refreshed) entry instead
};

struct ResponseDecision {
  ResponseOutcome outcome = ResponseOutcome::kPassThrough;
  std::shared_ptr<const CachedResponse> serve;  // kServeCached: the refreshed entry
};

// encodeHeaders of the upstream's response to a kMiss or kValidate request. On a 304 to a
// validation the entry is refreshed in the store (and served even if it was evicted
// meanwhile). A HEAD's response is never stored.
ResponseDecision onResponseHeaders(const CacheConfig& config, SimpleHttpCache& cache,
                                   const CacheLookup& lookup, const http::HeaderMap& request,
                                   const http::HeaderMap& response, SystemTime now);

// Whether a body of `size` bytes so far may still be stored (max_body_bytes).
bool bodyFits(const CacheConfig& config, size_t size);

// End of a kStore response: stores it (response_time `now`). False when the store refused it.
bool finishInsert(SimpleHttpCache& cache, const CacheLookup& lookup, const http::HeaderMap& request,
                  CachedResponse response, const CacheStats& stats);

}  // namespace meshproxy::filters::cache
