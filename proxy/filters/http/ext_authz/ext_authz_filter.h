#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/http/ext_authz/authz_check.h"
#include "proxy/filters/http/ext_authz/ext_authz_config.h"
#include "proxy/http/filter.h"
#include "proxy/http/route_config.h"
#include "proxy/stats/counter.h"

// envoy.filters.http.ext_authz: asks an authorization service (HTTP or gRPC) about each request
// before it goes upstream. The request waits (headers, and the body with with_request_body);
// allowed, it continues with the service's header changes; denied, the client gets the
// service's answer; when the service cannot answer, status_on_error (403), or the request
// passes with failure_mode_allow.
namespace meshproxy::filters::ext_authz {

inline constexpr const char* kExtAuthzMetadataNamespace = "envoy.filters.http.ext_authz";

// http.<stat_prefix>.ext_authz[.<stat_prefix of the filter>].*, Envoy's names.
struct ExtAuthzStats {
  stats::Counter& ok;
  stats::Counter& denied;
  stats::Counter& error;
  stats::Counter& failure_mode_allowed;
  stats::Counter& disabled;
};

struct ExtAuthzFilterConfig {
  std::shared_ptr<const ExtAuthzConfig> config;
  ExtAuthzStats stats;
};

class ExtAuthzPerRoute : public http::RouteSpecificFilterConfig {
 public:
  explicit ExtAuthzPerRoute(ExtAuthzPerRouteConfig config) : config_(std::move(config)) {}
  const ExtAuthzPerRouteConfig& config() const { return config_; }

 private:
  ExtAuthzPerRouteConfig config_;
};

class ExtAuthzFilter : public http::StreamDecoderFilter,
                       public http::StreamEncoderFilter,
                       private AuthzCallbacks {
 public:
  explicit ExtAuthzFilter(std::shared_ptr<const ExtAuthzFilterConfig> config);
  ~ExtAuthzFilter() override;

  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override {
    decoder_ = &callbacks;
  }
  http::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus decodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus decodeTrailers(http::HeaderMap& trailers) override;

  void setEncoderFilterCallbacks(http::StreamEncoderFilterCallbacks& callbacks) override {
    encoder_ = &callbacks;
  }
  http::FilterHeadersStatus encodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus encodeData(Buffer&, bool) override {
    return http::FilterDataStatus::kContinue;
  }
  http::FilterTrailersStatus encodeTrailers(http::HeaderMap&) override {
    return http::FilterTrailersStatus::kContinue;
  }
  void onDestroy() override;

 private:
  enum class State : uint8_t { kIdle, kBuffering, kCalling, kDone };

  // Sends the check; `pending_chunk` is body data passed to decodeData and not yet held.
  void startCheck(const Buffer* pending_chunk);
  void onAuthzComplete(AuthzResponse&& response) override;
  void allow(AuthzResponse& response);

  std::shared_ptr<const ExtAuthzFilterConfig> config_;
  http::StreamDecoderFilterCallbacks* decoder_ = nullptr;
  http::StreamEncoderFilterCallbacks* encoder_ = nullptr;
  http::HeaderMap* headers_ = nullptr;
  const ExtAuthzPerRouteConfig* per_route_ = nullptr;
  const BodySettings* body_settings_ = nullptr;
  std::unique_ptr<AuthzClient> client_;
  State state_ = State::kIdle;
  bool in_check_call_ = false;  // inside client_->check(): an answer there is returned, not resumed
  bool stopped_ = false;
  bool allowed_ = false;  // the check allowed the request (or failure_mode_allow did)        //
                          // decodeHeaders/Data returned a stop: resume with continueDecoding
  HeaderPairs response_headers_to_add_;
};

// ExtAuthz typed_config -> per-stream factory.
absl::StatusOr<http::HttpFilterFactory> createExtAuthzFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);
// ExtAuthzPerRoute typed_per_filter_config.
absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createExtAuthzPerRouteConfig(
    const google::protobuf::Any& typed_config);

}  // namespace meshproxy::filters::ext_authz
