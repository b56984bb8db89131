#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/filters/http/compression/stream_codec.h"

// Zstandard (RFC 8878) with libzstd: envoy.compression.zstd.{compressor,decompressor}.
namespace meshproxy::filters::compression {

// envoy.extensions.compression.zstd.compressor.v3.Zstd, with Envoy's defaults.
struct ZstdCompressorConfig {
  int level = 3;  // ZSTD_CLEVEL_DEFAULT; 0 also means the default
  bool enable_checksum = false;
  int strategy = 0;        // 0: the level's own; ZSTD_fast (1) .. ZSTD_btultra2 (9)
  std::string dictionary;  // empty: none
  uint32_t chunk_size = 4096;
};

// envoy.extensions.compression.zstd.decompressor.v3.Zstd.
struct ZstdDecompressorConfig {
  // Chosen per frame by the dictionary ID the frame names.
  std::vector<std::string> dictionaries;
  uint32_t chunk_size = 4096;
};

// InvalidArgument when a dictionary cannot be loaded or libzstd refuses a parameter.
absl::StatusOr<std::unique_ptr<CompressorFactory>> makeZstdCompressorFactory(
    const ZstdCompressorConfig& config);
absl::StatusOr<std::unique_ptr<DecompressorFactory>> makeZstdDecompressorFactory(
    const ZstdDecompressorConfig& config);

}  // namespace meshproxy::filters::compression
