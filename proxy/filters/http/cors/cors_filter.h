#pragma once

#include <google/protobuf/any.pb.h>

#include <array>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/http/cors/cors_evaluation.h"
#include "proxy/http/filter.h"
#include "proxy/http/route_config.h"

// envoy.filters.http.cors: the policies come from the route (typed_per_filter_config for this
// filter at the route, virtual host and route configuration levels; without any, the route's
// and the virtual host's `cors` fields, Envoy's fallback). A preflight is answered here; the
// response of a CORS request (from the upstream or any local reply: 401, 403, 429 ...) gets the
// Access-Control-* headers in encodeHeaders.
namespace meshproxy::filters::cors {

// A translated policy as a route holds it (typed_per_filter_config or the `cors` field).
class CorsPolicyConfig : public http::RouteSpecificFilterConfig {
 public:
  explicit CorsPolicyConfig(std::shared_ptr<const CorsPolicy> policy)
      : policy_(std::move(policy)) {}
  const CorsPolicy& policy() const { return *policy_; }

 private:
  std::shared_ptr<const CorsPolicy> policy_;
};

struct CorsFilterConfig {
  std::string filter_name;  // the key of its typed_per_filter_config entries
  CorsStats stats;
};

class CorsFilter : public http::StreamDecoderFilter, public http::StreamEncoderFilter {
 public:
  explicit CorsFilter(std::shared_ptr<const CorsFilterConfig> config)
      : config_(std::move(config)) {}

  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override {
    decoder_ = &callbacks;
  }
  void setEncoderFilterCallbacks(http::StreamEncoderFilterCallbacks&) override {}
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
  std::span<const CorsPolicy* const> policies() const { return {policies_.data(), count_}; }

  std::shared_ptr<const CorsFilterConfig> config_;
  http::StreamDecoderFilterCallbacks* decoder_ = nullptr;
  // Most specific first; they live in the route table the stream holds.
  std::array<const CorsPolicy*, 3> policies_{};
  size_t count_ = 0;
  CorsRequestState state_;
};

absl::StatusOr<http::HttpFilterFactory> createCorsFactory(const google::protobuf::Any& typed_config,
                                                          config::TranslationContext& context);
// typed_per_filter_config (filters.http.cors.v3.CorsPolicy) and the route/virtual host `cors`
// field (route.v3.CorsPolicy).
absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createCorsPerRoute(
    const google::protobuf::Any& typed_config);
absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createRouteCorsPolicy(
    const google::protobuf::Any& typed_config);

}  // namespace meshproxy::filters::cors
