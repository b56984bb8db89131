#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/core/timer.h"
#include "proxy/filters/http/fault/fault_decision.h"
#include "proxy/http/filter.h"
#include "proxy/http/route_config.h"

// envoy.filters.http.fault: delays and aborts decided by fault_decision.h. A delayed request is
// held (decodeHeaders stops, body and trailers wait with backpressure) until a worker timer
// fires; an abort is a local reply with the HTTP status, or the gRPC status for gRPC requests.
// response_rate_limit is refused: it needs paced re-injection of response data, which the
// filter API does not offer yet.
namespace meshproxy::filters::fault {

// A route's HTTPFault (typed_per_filter_config): its settings, counted in the filter's stats.
class FaultPerRoute : public http::RouteSpecificFilterConfig {
 public:
  explicit FaultPerRoute(std::shared_ptr<const FaultConfig> config) : config_(std::move(config)) {}
  const FaultConfig& config() const { return *config_; }

 private:
  std::shared_ptr<const FaultConfig> config_;
};

class FaultFilter : public http::StreamDecoderFilter {
 public:
  explicit FaultFilter(std::shared_ptr<const FaultConfig> config) : config_(std::move(config)) {}

  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override {
    callbacks_ = &callbacks;
  }
  http::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus decodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus decodeTrailers(http::HeaderMap& trailers) override;
  void onDestroy() override;

 private:
  void onDelayDone();
  void abort();

  std::shared_ptr<const FaultConfig> config_;
  http::StreamDecoderFilterCallbacks* callbacks_ = nullptr;
  std::optional<AbortAction> abort_;
  ActiveFaultSlot slot_;
  std::unique_ptr<Timer> delay_timer_;
  bool delaying_ = false;
};

absl::StatusOr<http::HttpFilterFactory> createFaultFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);
absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createFaultPerRoute(
    const google::protobuf::Any& typed_config);

}  // namespace meshproxy::filters::fault
