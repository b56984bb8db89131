#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/http/compression/stream_codec.h"
#include "proxy/filters/http/decompressor/decompressor_config.h"
#include "proxy/filters/http/decompressor/decompressor_stats.h"
#include "proxy/http/filter.h"

// envoy.filters.http.decompressor: decodes request and response bodies chunk by chunk as they
// pass. A chunk inflates to at most the library's max_inflate_ratio times its size (gzip's
// max_inflate_ratio, brotli's and zstd's equivalents), so a decompression bomb cannot grow one
// stream's memory past that bound. A body that is corrupt or inflates past the ratio ends the
// stream where Envoy would pass the truncated output on: a request is answered 400 (the
// upstream request is reset), a response, whose headers are already downstream, is reset
// (502 when nothing was sent yet); both count decompression_error.
namespace meshproxy::filters::decompressor {

struct DecompressorFilterConfig {
  std::shared_ptr<const DecompressorConfig> config;
  DecompressorStats stats;
};

class DecompressorFilter : public http::StreamDecoderFilter, public http::StreamEncoderFilter {
 public:
  explicit DecompressorFilter(std::shared_ptr<const DecompressorFilterConfig> config)
      : config_(std::move(config)) {}

  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override {
    decoder_ = &callbacks;
  }
  void setEncoderFilterCallbacks(http::StreamEncoderFilterCallbacks& callbacks) override {
    encoder_ = &callbacks;
  }
  http::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus decodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus decodeTrailers(http::HeaderMap&) override {
    return request_failed_ ? http::FilterTrailersStatus::kStopIteration
                           : http::FilterTrailersStatus::kContinue;
  }
  http::FilterHeadersStatus encodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus encodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus encodeTrailers(http::HeaderMap&) override {
    return response_failed_ ? http::FilterTrailersStatus::kStopIteration
                            : http::FilterTrailersStatus::kContinue;
  }
  void onDestroy() override;

 private:
  // Replaces `data` by what it decodes to; false when the body cannot be decoded.
  bool decompress(compression::StreamDecompressor& decompressor, Buffer& data,
                  const DirectionStats& stats);

  std::shared_ptr<const DecompressorFilterConfig> config_;
  http::StreamDecoderFilterCallbacks* decoder_ = nullptr;
  http::StreamEncoderFilterCallbacks* encoder_ = nullptr;
  std::unique_ptr<compression::StreamDecompressor> request_decompressor_;
  std::unique_ptr<compression::StreamDecompressor> response_decompressor_;
  // One flag per direction: the 400 that answers a bad request body passes this filter's own
  // encodeData, which must let it through.
  bool request_failed_ = false;
  bool response_failed_ = false;
};

absl::StatusOr<http::HttpFilterFactory> createDecompressorFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);

}  // namespace meshproxy::filters::decompressor
