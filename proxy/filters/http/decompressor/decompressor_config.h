#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "proxy/filters/http/compression/stream_codec.h"
#include "proxy/http/header_map.h"

namespace envoy::extensions::filters::http::decompressor::v3 {
class Decompressor;
}

// envoy.filters.http.decompressor: decodes request and response bodies whose Content-Encoding
// is the library's coding. Config translation and the header decisions; the filter runs a
// StreamDecompressor over the body.
namespace meshproxy::filters::decompressor {

struct DirectionConfig {
  bool enabled = true;                      // common_config.enabled.default_value
  bool ignore_no_transform_header = false;  // decode even with Cache-Control: no-transform
};

struct DecompressorConfig {
  std::shared_ptr<const compression::DecompressorFactory> library;
  std::string library_name;  // decompressor_library.name (stats prefix)
  DirectionConfig request;
  DirectionConfig response;
  // request_direction_config.advertise_accept_encoding (default true): append the coding to the
  // request's Accept-Encoding, so the upstream may compress what this filter decodes.
  bool advertise_accept_encoding = true;

  std::string_view contentEncoding() const { return library->contentEncoding(); }
};

absl::StatusOr<std::shared_ptr<const DecompressorConfig>> translateDecompressor(
    const envoy::extensions::filters::http::decompressor::v3::Decompressor& proto);

// decodeHeaders: whether to append the coding to Accept-Encoding (response decoding enabled
// and advertise_accept_encoding).
bool shouldAdvertiseAcceptEncoding(const DecompressorConfig& config);
void advertiseAcceptEncoding(const DecompressorConfig& config, http::HeaderMap& request);

// Whether to decode this message's body: the direction is enabled, a body follows, no
// Cache-Control: no-transform (unless ignored), and the first coding of Content-Encoding is the
// library's (Envoy reads the first). Then call markDecompressed().
bool shouldDecompress(const DecompressorConfig& config, const DirectionConfig& direction,
                      const http::HeaderMap& headers, bool end_stream);

// Content-Length removed and the decoded coding taken off Content-Encoding (the header goes
// when it was the only one).
void markDecompressed(http::HeaderMap& headers);

}  // namespace meshproxy::filters::decompressor
