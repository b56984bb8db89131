#include "proxy/filters/http/cache/simple_http_cache.h"

#include "proxy/core/strings.h"
#include "proxy/filters/http/cache/cache_policy.h"

namespace meshproxy::filters::cache {
namespace {

size_t sizeOf(const CachedResponse& r, size_t key_size) {
  // Keys and a rough per-entry overhead count too, so many tiny entries are bounded as well.
  constexpr size_t kOverhead = 256;
  return r.headers.byteSize() + r.body.size() + r.trailers.byteSize() + 2 * key_size + kOverhead;
}

}  // namespace

std::string SimpleHttpCache::fullKey(std::string_view key, const http::HeaderMap& request) const {
  std::string full(key);
  auto rule = vary_.find(toAbsl(key));
  if (rule != vary_.end()) {
    full += '\0';
    full += varyIdentifier(rule->second.vary, request);
  }
  return full;
}

std::shared_ptr<const CachedResponse> SimpleHttpCache::lookup(std::string_view key,
                                                              const http::HeaderMap& request) {
  auto it = index_.find(fullKey(key, request));
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->response;
}

void SimpleHttpCache::erase(Lru::iterator it) {
  bytes_ -= it->bytes;
  auto rule = vary_.find(it->base_key);
  if (rule != vary_.end() && --rule->second.variants == 0) vary_.erase(rule);
  index_.erase(it->full_key);
  lru_.erase(it);
}

bool SimpleHttpCache::insert(std::string_view key, const http::HeaderMap& request,
                             CachedResponse response) {
  const auto vary = response.headers.getJoined("vary");
  auto rule = vary_.find(toAbsl(key));
  if (rule != vary_.end() && (!vary || rule->second.vary != *vary)) {
    // The resource's Vary changed: its stored variants no longer answer the same requests.
    for (auto it = lru_.begin(); it != lru_.end();) {
      auto next = std::next(it);
      if (it->base_key == key) erase(it);
      it = next;
    }
  }
  if (vary && rule == vary_.end()) {
    // Stored before without Vary: that entry would shadow nothing now, drop it.
    if (auto plain = index_.find(toAbsl(key)); plain != index_.end()) erase(plain->second);
  }
  std::string full(key);
  if (vary) {
    full += '\0';
    full += varyIdentifier(*vary, request);
  }
  const size_t size = sizeOf(response, full.size());
  if (size > max_bytes_) return false;
  if (auto existing = index_.find(full); existing != index_.end()) erase(existing->second);
  while (bytes_ + size > max_bytes_ && !lru_.empty()) {
    erase(std::prev(lru_.end()));
    ++evictions_;
  }
  if (vary) {
    VaryRule& r = vary_[std::string(key)];
    r.vary = *vary;
    ++r.variants;
  }
  lru_.push_front(Entry{full, std::string(key),
                        std::make_shared<const CachedResponse>(std::move(response)), size});
  index_[full] = lru_.begin();
  bytes_ += size;
  return true;
}

bool SimpleHttpCache::updateAfterValidation(std::string_view key, const http::HeaderMap& request,
                                            const http::HeaderMap& not_modified,
                                            SystemTime response_time) {
  auto it = index_.find(fullKey(key, request));
  if (it == index_.end()) return false;
  // A copy: whoever is sending the old response keeps it unchanged.
  auto updated = std::make_shared<CachedResponse>(*it->second->response);
  updateStoredHeaders(not_modified, updated->headers);
  updated->response_time = response_time;
  const size_t size = sizeOf(*updated, it->second->full_key.size());
  bytes_ = bytes_ - it->second->bytes + size;
  it->second->bytes = size;
  it->second->response = std::move(updated);
  lru_.splice(lru_.begin(), lru_, it->second);
  while (bytes_ > max_bytes_ && lru_.size() > 1) {
    erase(std::prev(lru_.end()));
    ++evictions_;
  }
  return true;
}

}  // namespace meshproxy::filters::cache
