#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/http/local_ratelimit/local_ratelimit_decision.h"
#include "proxy/http/filter.h"
#include "proxy/http/route_config.h"

// envoy.filters.http.local_ratelimit: token buckets over the library in this folder. Decides in
// decodeHeaders (429, or RESOURCE_EXHAUSTED for gRPC with rate_limited_as_resource_exhausted),
// adds the x-ratelimit-* headers in encodeHeaders.
namespace meshproxy::filters::local_ratelimit {

// The filter's translated config with its stats (<stat_prefix>.http_local_rate_limit.*).
struct LocalRateLimitFilterConfig {
  std::shared_ptr<const LocalRateLimitConfig> config;
  LocalRateLimitStats stats;
};

// A route's LocalRateLimit (typed_per_filter_config): its own buckets replace the filter's.
// Its decisions are counted in the filter's stats (the per-route translator has no stats
// scope; Envoy would use the route config's stat_prefix).
class LocalRateLimitPerRoute : public http::RouteSpecificFilterConfig {
 public:
  explicit LocalRateLimitPerRoute(std::shared_ptr<const LocalRateLimitConfig> config)
      : config_(std::move(config)) {}
  const LocalRateLimitConfig& config() const { return *config_; }

 private:
  std::shared_ptr<const LocalRateLimitConfig> config_;
};

class LocalRateLimitFilter : public http::StreamDecoderFilter, public http::StreamEncoderFilter {
 public:
  explicit LocalRateLimitFilter(std::shared_ptr<const LocalRateLimitFilterConfig> config)
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
  http::FilterDataStatus encodeData(Buffer&, bool) override {
    return http::FilterDataStatus::kContinue;
  }
  http::FilterTrailersStatus encodeTrailers(http::HeaderMap&) override {
    return http::FilterTrailersStatus::kContinue;
  }

 private:
  std::shared_ptr<const LocalRateLimitFilterConfig> config_;
  http::StreamDecoderFilterCallbacks* decoder_ = nullptr;
  http::StreamEncoderFilterCallbacks* encoder_ = nullptr;
  // Set by decodeHeaders when the response should carry x-ratelimit-* headers.
  std::optional<XRateLimitValues> x_ratelimit_;
};

absl::StatusOr<http::HttpFilterFactory> createLocalRateLimitFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);
absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createLocalRateLimitPerRoute(
    const google::protobuf::Any& typed_config);

}  // namespace meshproxy::filters::local_ratelimit
