#pragma once

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "proxy/filters/http/compression/stream_codec.h"

namespace envoy::config::core::v3 {
class TypedExtensionConfig;
}

namespace meshproxy::filters::compression {

// Config time: a compressor filter's compressor_library (gzip, brotli or zstd compressor.v3
// typed_config) into the factory of its per-stream compressors. Every field of the three protos
// is translated, with Envoy's defaults and bounds; another type is refused by its type URL.
// Errors name `field` ("compressor_library: ...").
absl::StatusOr<std::shared_ptr<const CompressorFactory>> translateCompressorLibrary(
    const envoy::config::core::v3::TypedExtensionConfig& proto, std::string_view field);

// The same for a decompressor filter's decompressor_library (decompressor.v3 types).
absl::StatusOr<std::shared_ptr<const DecompressorFactory>> translateDecompressorLibrary(
    const envoy::config::core::v3::TypedExtensionConfig& proto, std::string_view field);

}  // namespace meshproxy::filters::compression
