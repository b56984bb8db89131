#include "proxy/filters/http/cache/cache_lookup.h"

#include <string>

#include "proxy/filters/http/cache/cache_headers.h"
#include "proxy/filters/http/cache/cache_policy.h"

namespace meshproxy::filters::cache {
namespace {

void count(stats::Counter* c) {
  if (c != nullptr) c->inc();
}

bool onlyIfCached(const CacheConfig& config, const http::HeaderMap& request) {
  if (config.ignore_request_cache_control_header) return false;
  auto cc = request.getJoined("cache-control");
  return cc && parseRequestCacheControl(*cc).only_if_cached;
}

}  // namespace

CacheLookup lookupRequest(const CacheConfig& config, SimpleHttpCache& cache,
                          http::HeaderMap& request, SystemTime now, const CacheStats& stats) {
  CacheLookup l;
  if (config.disabled || !isCacheableRequest(config, request)) {
    count(stats.uncacheable);
    return l;
  }
  l.head = request.method() == "HEAD";
  l.key = cacheKey(config, request);
  l.entry = cache.lookup(l.key, request);
  Freshness f = Freshness::kUnusable;
  if (l.entry) f = freshness(config, request, l.entry->headers, l.entry->response_time, now);
  if (f == Freshness::kFresh) {
    l.outcome = LookupOutcome::kHit;
    count(stats.hit);
    return l;
  }
  if (onlyIfCached(config, request)) {
    l.outcome = LookupOutcome::kOnlyIfCachedMiss;
    l.entry = nullptr;
    count(stats.miss);
    return l;
  }
  if (f == Freshness::kRequiresValidation && addValidationHeaders(l.entry->headers, request)) {
    l.outcome = LookupOutcome::kValidate;
    count(stats.validate);
    return l;
  }
  l.outcome = LookupOutcome::kMiss;
  l.entry = nullptr;
  count(stats.miss);
  return l;
}

http::HeaderMap servedHeaders(const CachedResponse& entry, SystemTime now) {
  http::HeaderMap headers = entry.headers;
  headers.set("age", std::to_string(currentAge(entry.headers, entry.response_time, now).count()));
  return headers;
}

ResponseDecision onResponseHeaders(const CacheConfig& config, SimpleHttpCache& cache,
                                   const CacheLookup& lookup, const http::HeaderMap& request,
                                   const http::HeaderMap& response, SystemTime now) {
  ResponseDecision d;
  if (lookup.outcome != LookupOutcome::kMiss && lookup.outcome != LookupOutcome::kValidate) {
    return d;
  }
  if (lookup.outcome == LookupOutcome::kValidate && response.status() == 304) {
    d.outcome = ResponseOutcome::kServeCached;
    if (cache.updateAfterValidation(lookup.key, request, response, now)) {
      d.serve = cache.lookup(lookup.key, request);
    }
    if (!d.serve) {
      // Evicted while the validation was in flight: refresh the copy the lookup holds (the
      // 304 itself is useless to a client that sent no validators).
      auto refreshed = std::make_shared<CachedResponse>(*lookup.entry);
      updateStoredHeaders(response, refreshed->headers);
      refreshed->response_time = now;
      d.serve = std::move(refreshed);
    }
    return d;
  }
  if (!lookup.head && isCacheableResponse(config, response)) d.outcome = ResponseOutcome::kStore;
  return d;
}

bool bodyFits(const CacheConfig& config, size_t size) {
  return config.max_body_bytes == 0 || size <= config.max_body_bytes;
}

bool finishInsert(SimpleHttpCache& cache, const CacheLookup& lookup, const http::HeaderMap& request,
                  CachedResponse response, const CacheStats& stats) {
  if (!cache.insert(lookup.key, request, std::move(response))) return false;
  count(stats.insert);
  return true;
}

}  // namespace meshproxy::filters::cache
