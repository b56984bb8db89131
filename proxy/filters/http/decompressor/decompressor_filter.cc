#include "proxy/filters/http/decompressor/decompressor_filter.h"

#include "envoy/extensions/filters/http/decompressor/v3/decompressor.pb.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::decompressor {

namespace v3 = envoy::extensions::filters::http::decompressor::v3;

http::FilterHeadersStatus DecompressorFilter::decodeHeaders(http::HeaderMap& headers,
                                                            bool end_stream) {
  const DecompressorConfig& config = *config_->config;
  if (shouldAdvertiseAcceptEncoding(config)) advertiseAcceptEncoding(config, headers);
  if (shouldDecompress(config, config.request, headers, end_stream)) {
    markDecompressed(headers);
    request_decompressor_ = config.library->create();
    config_->stats.request.decompressed.inc();
  } else {
    config_->stats.request.not_decompressed.inc();
  }
  return http::FilterHeadersStatus::kContinue;
}

http::FilterDataStatus DecompressorFilter::decodeData(Buffer& data, bool) {
  if (request_failed_) return http::FilterDataStatus::kStopIterationNoBuffer;
  if (request_decompressor_ == nullptr) return http::FilterDataStatus::kContinue;
  if (decompress(*request_decompressor_, data, config_->stats.request)) {
    return http::FilterDataStatus::kContinue;
  }
  request_failed_ = true;
  decoder_->sendLocalReply(400, "request body decompression failed", "decompressor_error");
  return http::FilterDataStatus::kStopIterationNoBuffer;
}

http::FilterHeadersStatus DecompressorFilter::encodeHeaders(http::HeaderMap& headers,
                                                            bool end_stream) {
  const DecompressorConfig& config = *config_->config;
  if (shouldDecompress(config, config.response, headers, end_stream)) {
    markDecompressed(headers);
    response_decompressor_ = config.library->create();
    config_->stats.response.decompressed.inc();
  } else {
    config_->stats.response.not_decompressed.inc();
  }
  return http::FilterHeadersStatus::kContinue;
}

http::FilterDataStatus DecompressorFilter::encodeData(Buffer& data, bool) {
  if (response_failed_) return http::FilterDataStatus::kStopIterationNoBuffer;
  if (response_decompressor_ == nullptr) return http::FilterDataStatus::kContinue;
  if (decompress(*response_decompressor_, data, config_->stats.response)) {
    return http::FilterDataStatus::kContinue;
  }
  response_failed_ = true;
  // The headers went downstream already: the FilterManager resets the stream.
  encoder_->sendLocalReply(502, "response body decompression failed", "decompressor_error");
  return http::FilterDataStatus::kStopIterationNoBuffer;
}

bool DecompressorFilter::decompress(compression::StreamDecompressor& decompressor, Buffer& data,
                                    const DirectionStats& stats) {
  stats.total_compressed_bytes.add(data.length());
  Buffer out;
  const bool ok = decompressor.decompress(data, out);
  stats.total_uncompressed_bytes.add(out.length());
  if (!ok) {
    config_->stats.decompression_error.inc();
    return false;
  }
  data.move(out);
  return true;
}

void DecompressorFilter::onDestroy() {
  request_decompressor_.reset();
  response_decompressor_.reset();
}

absl::StatusOr<http::HttpFilterFactory> createDecompressorFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<v3::Decompressor>(typed_config, "decompressor");
  if (!proto.ok()) return proto.status();
  auto config = translateDecompressor(*proto);
  if (!config.ok()) return config.status();
  auto filter_config = std::make_shared<const DecompressorFilterConfig>(DecompressorFilterConfig{
      .config = *config,
      .stats =
          makeDecompressorStats(context.stats.scope("http", context.http_stat_prefix), **config)});
  return http::HttpFilterFactory([filter_config](http::FilterChainBuilder& builder) {
    builder.addStreamFilter(std::make_shared<DecompressorFilter>(filter_config));
  });
}

}  // namespace meshproxy::filters::decompressor
