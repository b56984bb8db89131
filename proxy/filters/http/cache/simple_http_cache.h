#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/time_source.h"
#include "proxy/http/header_map.h"

// envoy.extensions.http.cache.simple_http_cache: responses in memory, looked up by key and,
// for a response with Vary, by the request's values of those headers. Bounded in bytes, least
// recently used first out. One instance per worker (no lock on the data path; a response is
// cached once per worker that fetches it).
namespace meshproxy::filters::cache {

struct CachedResponse {
  http::HeaderMap headers;
  std::string body;
  http::HeaderMap trailers;
  SystemTime response_time;  // received, or last validated by a 304
};

class SimpleHttpCache {
 public:
  // Default bound of one worker's cache: SimpleHttpCacheConfig has no size field.
  static constexpr size_t kDefaultMaxBytes = 64 << 20;

  explicit SimpleHttpCache(size_t max_bytes = kDefaultMaxBytes) : max_bytes_(max_bytes) {}

  // The stored response for this key and request, or null. The pointer keeps the response
  // alive while it is being sent, even if it is evicted or replaced meanwhile. A hit makes it
  // the most recently used.
  std::shared_ptr<const CachedResponse> lookup(std::string_view key,
                                               const http::HeaderMap& request);

  // Stores a response (replacing the one for the same key and variant). False, and nothing
  // stored, when it alone exceeds the bound. Older entries are evicted to make room.
  bool insert(std::string_view key, const http::HeaderMap& request, CachedResponse response);

  // A 304 answered a validation: the stored headers are refreshed (cache_policy.h
  // updateStoredHeaders) and response_time reset. False if the entry is gone.
  bool updateAfterValidation(std::string_view key, const http::HeaderMap& request,
                             const http::HeaderMap& not_modified, SystemTime response_time);

  size_t bytes() const { return bytes_; }
  size_t entries() const { return lru_.size(); }
  size_t evictions() const { return evictions_; }

 private:
  struct Entry {
    std::string full_key;  // key + vary identifier
    std::string base_key;
    std::shared_ptr<const CachedResponse> response;
    size_t bytes;
  };
  using Lru = std::list<Entry>;  // front: most recently used

  // The key of the variant of `key` that `request` selects: the Vary of what was stored.
  std::string fullKey(std::string_view key, const http::HeaderMap& request) const;
  void erase(Lru::iterator it);

  size_t max_bytes_;
  size_t bytes_ = 0;
  size_t evictions_ = 0;
  Lru lru_;
  absl::flat_hash_map<std::string, Lru::iterator> index_;
  // Base key -> (Vary value, live variants). A key's responses are assumed to vary alike, as
  // Envoy assumes; a new response with another Vary replaces the rule.
  struct VaryRule {
    std::string vary;
    size_t variants = 0;
  };
  absl::flat_hash_map<std::string, VaryRule> vary_;
};

}  // namespace meshproxy::filters::cache
