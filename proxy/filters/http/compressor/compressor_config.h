#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/filters/http/compression/stream_codec.h"

namespace envoy::extensions::filters::http::compressor::v3 {
class Compressor;
class CompressorPerRoute;
}  // namespace envoy::extensions::filters::http::compressor::v3

namespace meshproxy::filters::compressor {

// Compressor.CommonDirectionConfig.
struct DirectionConfig {
  bool enabled = true;                     // enabled.default_value (a RuntimeFeatureFlag)
  uint32_t min_content_length = 30;        // a Content-Length below it is not compressed
  std::vector<std::string> content_types;  // lower case; Envoy's default list when not set
};

// envoy.extensions.filters.http.compressor.v3.Compressor, translated once.
struct CompressorConfig {
  std::shared_ptr<const compression::CompressorFactory> library;
  std::string library_name;  // compressor_library.name, part of the stats prefix
  // Requests are compressed only when request_direction_config is set (and enabled).
  std::optional<DirectionConfig> request;
  // response_direction_config, or the deprecated top-level fields when it is absent.
  DirectionConfig response;
  bool disable_on_etag_header = false;
  bool remove_accept_encoding_header = false;
  bool choose_first = false;

  std::string_view contentEncoding() const { return library->contentEncoding(); }
  // "<stat_prefix>compressor.<library name>.<library prefix>" as Envoy names the stats.
  std::string statsPrefix(std::string_view filter_stat_prefix) const;
};

// envoy.extensions.filters.http.compressor.v3.CompressorPerRoute.
struct CompressorPerRouteConfig {
  // disabled: false; overrides.response_direction_config present: true; else the filter's.
  std::optional<bool> response_enabled;
  std::optional<bool> remove_accept_encoding_header;
};

// Every field translated; runtime keys of the RuntimeFeatureFlags accepted (their default
// applies, meshproxy has no runtime layer).
absl::StatusOr<std::shared_ptr<const CompressorConfig>> translateCompressor(
    const envoy::extensions::filters::http::compressor::v3::Compressor& proto);

absl::StatusOr<std::shared_ptr<const CompressorPerRouteConfig>> translateCompressorPerRoute(
    const envoy::extensions::filters::http::compressor::v3::CompressorPerRoute& proto);

// Envoy's default list of compressible content types.
const std::vector<std::string>& defaultCompressibleContentTypes();

}  // namespace meshproxy::filters::compressor
