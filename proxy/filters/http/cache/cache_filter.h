#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/http/cache/cache_config.h"
#include "proxy/filters/http/cache/cache_lookup.h"
#include "proxy/filters/http/cache/simple_http_cache.h"
#include "proxy/http/filter.h"

// envoy.filters.http.cache with the SimpleHttpCache storage: a fresh stored response is served
// without the upstream; a stale one with a validator is revalidated with a conditional request
// (a 304 serves the refreshed entry); a cacheable response is copied aside as it streams to the
// client and stored at its end. The RFC 9111 rules are cache_policy.h's, the flow
// cache_lookup.h's.
namespace meshproxy::filters::cache {

// One store per worker: no lock on the data path (a response is cached once per worker that
// fetches it). A new config (xDS update) starts with empty stores.
class PerWorkerCaches {
 public:
  explicit PerWorkerCaches(uint32_t workers);
  // The calling worker's store; null for an index beyond the configured workers.
  SimpleHttpCache* forWorker(uint32_t index) const {
    return index < caches_.size() ? caches_[index].get() : nullptr;
  }

 private:
  std::vector<std::unique_ptr<SimpleHttpCache>> caches_;
};

struct CacheFilterConfig {
  std::shared_ptr<const CacheConfig> config;
  std::shared_ptr<const PerWorkerCaches> caches;
  CacheStats stats;
};

class CacheFilter : public http::StreamDecoderFilter, public http::StreamEncoderFilter {
 public:
  explicit CacheFilter(std::shared_ptr<const CacheFilterConfig> config)
      : config_(std::move(config)) {}

  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override {
    decoder_ = &callbacks;
  }
  void setEncoderFilterCallbacks(http::StreamEncoderFilterCallbacks& callbacks) override {
    encoder_ = &callbacks;
  }
  http::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus decodeData(Buffer&, bool) override {
    return http::FilterDataStatus::kContinue;
  }
  http::FilterTrailersStatus decodeTrailers(http::HeaderMap&) override {
    return http::FilterTrailersStatus::kContinue;
  }
  http::FilterHeadersStatus encodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus encodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus encodeTrailers(http::HeaderMap& trailers) override;
  void onDestroy() override;

 private:
  // Answers with a stored response (a hit, or the entry a 304 refreshed).
  void serve(const CachedResponse& entry);
  void finishStore();

  std::shared_ptr<const CacheFilterConfig> config_;
  http::StreamDecoderFilterCallbacks* decoder_ = nullptr;
  http::StreamEncoderFilterCallbacks* encoder_ = nullptr;
  SimpleHttpCache* cache_ = nullptr;
  CacheLookup lookup_;
  // The response being copied aside for the store; nullopt when not storing.
  std::optional<CachedResponse> pending_;
  // This filter's own answer is passing its encodeHeaders/Data: leave it alone.
  bool serving_ = false;
};

absl::StatusOr<http::HttpFilterFactory> createCacheFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);

}  // namespace meshproxy::filters::cache
