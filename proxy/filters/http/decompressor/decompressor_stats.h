#pragma once

#include "proxy/filters/http/decompressor/decompressor_config.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/scope.h"

// envoy.filters.http.decompressor's stats, rooted at
// <connection manager stat prefix>.decompressor.<library name>.<gzip|brotli|zstd>. as Envoy
// names them: per direction decompressed, not_decompressed, total_uncompressed_bytes,
// total_compressed_bytes; and decompression_error for a body that cannot be decoded (meshproxy's
// one counter where Envoy's libraries each count their own errors, e.g. gzip's zlib_data_error).
namespace meshproxy::filters::decompressor {

struct DirectionStats {
  stats::Counter& decompressed;
  stats::Counter& not_decompressed;
  stats::Counter& total_uncompressed_bytes;
  stats::Counter& total_compressed_bytes;
};

struct DecompressorStats {
  DirectionStats request;
  DirectionStats response;
  stats::Counter& decompression_error;
};

DecompressorStats makeDecompressorStats(const stats::Scope& http_scope,
                                        const DecompressorConfig& config);

}  // namespace meshproxy::filters::decompressor
