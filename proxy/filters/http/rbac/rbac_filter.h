#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/http/rbac/rbac_http_config.h"
#include "proxy/http/filter.h"
#include "proxy/http/route_config.h"
#include "proxy/network/address.h"
#include "proxy/stats/store.h"

// envoy.filters.http.rbac: the HTTP filter over the RBAC library (rbac_http_config.h). Decides
// in decodeHeaders; a denied request gets 403 "RBAC: access denied" (gRPC: status 7).
namespace meshproxy::filters::rbac {

// RBACPerRoute, translated once per route. Its engines are evaluated with the filter's
// counters (Envoy counts per-route decisions under the filter's stat names); the private store
// only backs the counters the translated config was built with and which nothing reads.
class RbacPerRouteConfig : public http::RouteSpecificFilterConfig {
 public:
  RbacPerRouteConfig(std::unique_ptr<stats::Store> store,
                     std::shared_ptr<const RbacFilterConfig> config)
      : store_(std::move(store)), config_(std::move(config)) {}
  const RbacFilterConfig& config() const { return *config_; }

 private:
  std::unique_ptr<stats::Store> store_;
  std::shared_ptr<const RbacFilterConfig> config_;
};

class RbacHttpFilter : public http::StreamDecoderFilter, private MetadataSource {
 public:
  explicit RbacHttpFilter(std::shared_ptr<const RbacFilterConfig> config)
      : config_(std::move(config)) {}

  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override {
    callbacks_ = &callbacks;
  }
  http::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  // The decision on a built view: metadata, counters, and the 403 when denied. decodeHeaders
  // is this over the stream's view; tests call it with their own.
  http::FilterHeadersStatus decide(const RequestView& view);
  // For views built outside the filter (tests): the stream's metadata as a MetadataSource.
  const MetadataSource& metadataSource() const { return *this; }
  http::FilterDataStatus decodeData(Buffer&, bool) override {
    return http::FilterDataStatus::kContinue;
  }
  http::FilterTrailersStatus decodeTrailers(http::HeaderMap&) override {
    return http::FilterTrailersStatus::kContinue;
  }

 private:
  // MetadataSource over the stream's dynamic metadata (principals/permissions `metadata`).
  const google::protobuf::Struct* find(std::string_view ns) const override;

  std::shared_ptr<const RbacFilterConfig> config_;
  http::StreamDecoderFilterCallbacks* callbacks_ = nullptr;
};

// RBAC typed_config -> per-stream factory.
absl::StatusOr<http::HttpFilterFactory> createRbacHttpFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);
// RBACPerRoute typed_per_filter_config.
absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createRbacPerRouteConfig(
    const google::protobuf::Any& typed_config);

}  // namespace meshproxy::filters::rbac
