#pragma once

#include <cstdint>
#include <memory>

#include "proxy/filters/http/compression/stream_codec.h"

// gzip (RFC 1952) with zlib: envoy.compression.gzip.{compressor,decompressor}.
namespace meshproxy::filters::compression {

// envoy.extensions.compression.gzip.compressor.v3.Gzip, with Envoy's defaults.
struct GzipCompressorConfig {
  int level = -1;        // Z_DEFAULT_COMPRESSION (zlib's 6); 1 (best speed) .. 9
  int memory_level = 5;  // 1..9
  int window_bits = 12;  // 9..15; the gzip wrapper is added
  int strategy = 0;      // Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED
  uint32_t chunk_size = 4096;
};

// envoy.extensions.compression.gzip.decompressor.v3.Gzip.
struct GzipDecompressorConfig {
  int window_bits = 15;  // 9..15; at least the compressor's
  uint32_t chunk_size = 4096;
  // Output over input, over the whole stream, above which decoding stops (a zip bomb).
  uint32_t max_inflate_ratio = 100;
};

std::unique_ptr<CompressorFactory> makeGzipCompressorFactory(const GzipCompressorConfig& config);
std::unique_ptr<DecompressorFactory> makeGzipDecompressorFactory(
    const GzipDecompressorConfig& config);

}  // namespace meshproxy::filters::compression
