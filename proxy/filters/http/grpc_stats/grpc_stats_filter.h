#pragma once

#include <google/protobuf/any.pb.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/http/grpc_stats/grpc_frame_counter.h"
#include "proxy/filters/http/grpc_stats/grpc_stats_config.h"
#include "proxy/http/filter.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::filters::grpc_stats {

// envoy.filters.http.grpc_stats: per gRPC call, cluster.<c>.grpc[.<service>.<method>]
// .success / .failure / .total / .<grpc-status> from the response's grpc-status (headers of a
// trailers-only response, else trailers), .request_message_count / .response_message_count
// counted as the messages stream by, and .upstream_rq_time with enable_upstream_stats.
// Non-gRPC requests pass untouched. The cluster is the one the router picked; counts seen
// before it is known (a later filter still deciding) are charged once it is.
class GrpcStatsFilter : public http::StreamDecoderFilter, public http::StreamEncoderFilter {
 public:
  // `config` is kept alive by the filter factory for as long as any stream of it lives.
  explicit GrpcStatsFilter(const GrpcStatsConfig& config) : config_(config) {}

  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override {
    decoder_callbacks_ = &callbacks;
  }
  void setEncoderFilterCallbacks(http::StreamEncoderFilterCallbacks&) override {}
  http::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus decodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus decodeTrailers(http::HeaderMap&) override {
    return http::FilterTrailersStatus::kContinue;
  }
  http::FilterHeadersStatus encodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus encodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus encodeTrailers(http::HeaderMap& trailers) override;
  void onDestroy() override;

 private:
  // The call's stats once the router chose a cluster; nullptr before, or when not counted.
  GrpcCallStats* stats();
  void chargeMessages();
  void onResponseComplete();

  const GrpcStatsConfig& config_;
  http::StreamDecoderFilterCallbacks* decoder_callbacks_ = nullptr;
  std::string path_;  // the request's :path as this filter saw it (gRPC calls only)
  GrpcCallStats* stats_ = nullptr;
  GrpcFrameCounter request_frames_;
  GrpcFrameCounter response_frames_;
  uint64_t request_charged_ = 0;
  uint64_t response_charged_ = 0;
  bool grpc_request_ = false;
  bool grpc_response_ = false;
  bool resolved_ = false;
  bool upstream_time_charged_ = false;
};

// FilterConfig typed_config -> per-stream filter factory.
absl::StatusOr<http::HttpFilterFactory> createGrpcStatsFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);

const protobuf::SupportedFields& grpcStatsSupportedFields();

}  // namespace meshproxy::filters::grpc_stats
