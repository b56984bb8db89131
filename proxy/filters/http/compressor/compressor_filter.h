#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/http/compression/stream_codec.h"
#include "proxy/filters/http/compressor/compressor_config.h"
#include "proxy/filters/http/compressor/compressor_decisions.h"
#include "proxy/filters/http/compressor/compressor_stats.h"
#include "proxy/http/filter.h"
#include "proxy/http/route_config.h"

// envoy.filters.http.compressor: compresses response bodies (and request bodies with
// request_direction_config) with the configured library, chunk by chunk as they pass: each
// chunk is compressed and flushed at once, so nothing holds the body and a streamed response
// reaches the client as it is produced. The decisions are compressor_decisions.h's.
namespace meshproxy::filters::compressor {

// The compressor filters of one HTTP connection manager, in chain order: they choose one coding
// together from Accept-Encoding. Filled while the connection manager translates its filters
// (each compressor filter appends itself), read-only once the chain is built.
struct CompressorChain {
  std::vector<std::shared_ptr<const CompressorConfig>> configs;
};

struct CompressorFilterConfig {
  std::shared_ptr<const CompressorConfig> config;
  CompressorStats stats;
  std::shared_ptr<const CompressorChain> chain;
};

// A route's CompressorPerRoute (typed_per_filter_config under the filter's name).
class CompressorPerRoute : public http::RouteSpecificFilterConfig {
 public:
  explicit CompressorPerRoute(std::shared_ptr<const CompressorPerRouteConfig> config)
      : config_(std::move(config)) {}
  const CompressorPerRouteConfig& config() const { return *config_; }

 private:
  std::shared_ptr<const CompressorPerRouteConfig> config_;
};

class CompressorFilter : public http::StreamDecoderFilter, public http::StreamEncoderFilter {
 public:
  explicit CompressorFilter(std::shared_ptr<const CompressorFilterConfig> config)
      : config_(std::move(config)) {}

  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override {
    decoder_ = &callbacks;
  }
  void setEncoderFilterCallbacks(http::StreamEncoderFilterCallbacks& callbacks) override {
    encoder_ = &callbacks;
  }
  http::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus decodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus decodeTrailers(http::HeaderMap& trailers) override;
  http::FilterHeadersStatus encodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus encodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus encodeTrailers(http::HeaderMap& trailers) override;
  void onDestroy() override;

 private:
  std::shared_ptr<const CompressorFilterConfig> config_;
  http::StreamDecoderFilterCallbacks* decoder_ = nullptr;
  http::StreamEncoderFilterCallbacks* encoder_ = nullptr;
  const CompressorPerRouteConfig* per_route_ = nullptr;  // lives in the stream's route table
  // The request's Accept-Encoding as it arrived here (this filter or a later one may remove
  // it before the upstream sees it); nullopt: the request had none.
  std::optional<std::string> accept_encoding_;
  std::unique_ptr<compression::StreamCompressor> request_compressor_;
  std::unique_ptr<compression::StreamCompressor> response_compressor_;
};

absl::StatusOr<http::HttpFilterFactory> createCompressorFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);
absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createCompressorPerRoute(
    const google::protobuf::Any& typed_config);

}  // namespace meshproxy::filters::compressor
