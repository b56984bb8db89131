#include "proxy/filters/http/compressor/compressor_filter.h"

#include "absl/container/inlined_vector.h"
#include "envoy/extensions/filters/http/compressor/v3/compressor.pb.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::compressor {

namespace v3 = envoy::extensions::filters::http::compressor::v3;

namespace {

// The key of the chain's CompressorChain in TranslationContext::http_chain_shared.
constexpr char kChainKey[] = "envoy.filters.http.compressor";

// Compresses `data` in place and counts the bytes in and out.
void compressCounted(compression::StreamCompressor& compressor, Buffer& data, bool end_stream,
                     stats::Counter& uncompressed, stats::Counter& compressed) {
  uncompressed.add(data.length());
  compressor.compress(data, end_stream);
  compressed.add(data.length());
}

}  // namespace

http::FilterHeadersStatus CompressorFilter::decodeHeaders(http::HeaderMap& headers,
                                                          bool end_stream) {
  const CompressorConfig& config = *config_->config;
  if (const auto* p =
          dynamic_cast<const CompressorPerRoute*>(decoder_->mostSpecificPerFilterConfig())) {
    per_route_ = &p->config();
  }
  accept_encoding_ = headers.getJoined("accept-encoding");
  if (accept_encoding_ && shouldRemoveAcceptEncoding(config, per_route_)) {
    headers.remove("accept-encoding");
  }
  if (config.request.has_value() && config.request->enabled) {
    if (shouldCompressRequest(config, headers, end_stream)) {
      markCompressed(headers, config.contentEncoding(), /*is_response=*/false);
      request_compressor_ = config.library->create();
      config_->stats.request_compressed.inc();
    } else {
      config_->stats.request_not_compressed.inc();
    }
  }
  return http::FilterHeadersStatus::kContinue;
}

http::FilterDataStatus CompressorFilter::decodeData(Buffer& data, bool end_stream) {
  if (request_compressor_ != nullptr) {
    compressCounted(*request_compressor_, data, end_stream,
                    config_->stats.request_total_uncompressed_bytes,
                    config_->stats.request_total_compressed_bytes);
  }
  return http::FilterDataStatus::kContinue;
}

http::FilterTrailersStatus CompressorFilter::decodeTrailers(http::HeaderMap&) {
  if (request_compressor_ != nullptr) {
    // The trailers end the stream: the compressed body's end goes before them.
    Buffer end;
    compressCounted(*request_compressor_, end, true,
                    config_->stats.request_total_uncompressed_bytes,
                    config_->stats.request_total_compressed_bytes);
    decoder_->addDecodedData(end, /*streaming=*/true);
  }
  return http::FilterTrailersStatus::kContinue;
}

http::FilterHeadersStatus CompressorFilter::encodeHeaders(http::HeaderMap& headers,
                                                          bool end_stream) {
  const CompressorConfig& config = *config_->config;
  // Every compressor of the chain computes the same choice from the same inputs, so exactly
  // one of them (or none) compresses; at most a handful of candidates, kept on the stack.
  absl::InlinedVector<CompressorCandidate, 4> chain;
  for (const auto& c : config_->chain->configs) chain.push_back(candidateFor(*c, headers));
  std::optional<std::string_view> accept_encoding;
  if (accept_encoding_) accept_encoding = *accept_encoding_;
  const ResponseDecision decision =
      decideResponse(config, per_route_, headers, end_stream, accept_encoding, chain);
  recordResponseDecision(config_->stats, config, decision);
  if (decision.add_vary) addVaryAcceptEncoding(headers);
  if (decision.verdict == ResponseVerdict::kCompress) {
    markCompressed(headers, config.contentEncoding(), /*is_response=*/true);
    response_compressor_ = config.library->create();
  }
  return http::FilterHeadersStatus::kContinue;
}

http::FilterDataStatus CompressorFilter::encodeData(Buffer& data, bool end_stream) {
  if (response_compressor_ != nullptr) {
    compressCounted(*response_compressor_, data, end_stream,
                    config_->stats.total_uncompressed_bytes, config_->stats.total_compressed_bytes);
  }
  return http::FilterDataStatus::kContinue;
}

http::FilterTrailersStatus CompressorFilter::encodeTrailers(http::HeaderMap&) {
  if (response_compressor_ != nullptr) {
    Buffer end;
    compressCounted(*response_compressor_, end, true, config_->stats.total_uncompressed_bytes,
                    config_->stats.total_compressed_bytes);
    encoder_->addEncodedData(end, /*streaming=*/true);
  }
  return http::FilterTrailersStatus::kContinue;
}

void CompressorFilter::onDestroy() {
  // The library state (a compression window: up to a few MiB for brotli or zstd) goes with the
  // stream, not with the filter object's last reference.
  request_compressor_.reset();
  response_compressor_.reset();
}

absl::StatusOr<http::HttpFilterFactory> createCompressorFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<v3::Compressor>(typed_config, "compressor");
  if (!proto.ok()) return proto.status();
  auto config = translateCompressor(*proto);
  if (!config.ok()) return config.status();
  // The chain this filter negotiates with: the connection manager's, or its own when it is
  // translated alone (tests).
  std::shared_ptr<CompressorChain> chain;
  if (context.http_chain_shared != nullptr) {
    auto& slot = (*context.http_chain_shared)[kChainKey];
    if (slot == nullptr) slot = std::make_shared<CompressorChain>();
    chain = std::static_pointer_cast<CompressorChain>(slot);
  } else {
    chain = std::make_shared<CompressorChain>();
  }
  chain->configs.push_back(*config);
  auto filter_config = std::make_shared<const CompressorFilterConfig>(CompressorFilterConfig{
      .config = *config,
      .stats = makeCompressorStats(context.stats.scope("http", context.http_stat_prefix), **config),
      .chain = std::move(chain)});
  return http::HttpFilterFactory([filter_config](http::FilterChainBuilder& builder) {
    builder.addStreamFilter(std::make_shared<CompressorFilter>(filter_config));
  });
}

absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createCompressorPerRoute(
    const google::protobuf::Any& typed_config) {
  auto proto = protobuf::unpackAny<v3::CompressorPerRoute>(typed_config, "compressor per-route");
  if (!proto.ok()) return proto.status();
  auto config = translateCompressorPerRoute(*proto);
  if (!config.ok()) return config.status();
  return std::make_shared<const CompressorPerRoute>(*config);
}

}  // namespace meshproxy::filters::compressor
