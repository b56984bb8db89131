#pragma once

#include <cstdint>
#include <memory>

#include "proxy/filters/http/compression/stream_codec.h"

// Brotli (RFC 7932) with libbrotli: envoy.compression.brotli.{compressor,decompressor}.
namespace meshproxy::filters::compression {

// envoy.extensions.compression.brotli.compressor.v3.Brotli, with Envoy's defaults.
struct BrotliCompressorConfig {
  uint32_t quality = 3;            // 0..11
  uint32_t window_bits = 18;       // 10..24
  uint32_t input_block_bits = 24;  // 16..24
  int mode = 0;                    // BROTLI_MODE_GENERIC, _TEXT, _FONT
  bool disable_literal_context_modeling = false;
  uint32_t chunk_size = 4096;
};

// envoy.extensions.compression.brotli.decompressor.v3.Brotli.
struct BrotliDecompressorConfig {
  bool disable_ring_buffer_reallocation = false;
  uint32_t chunk_size = 4096;
};

std::unique_ptr<CompressorFactory> makeBrotliCompressorFactory(
    const BrotliCompressorConfig& config);
std::unique_ptr<DecompressorFactory> makeBrotliDecompressorFactory(
    const BrotliDecompressorConfig& config);

}  // namespace meshproxy::filters::compression
