#include "proxy/filters/http/decompressor/decompressor_stats.h"

namespace meshproxy::filters::decompressor {
namespace {

DirectionStats direction(const stats::Scope& s) {
  return {s.counter("decompressed"), s.counter("not_decompressed"),
          s.counter("total_uncompressed_bytes"), s.counter("total_compressed_bytes")};
}

}  // namespace

DecompressorStats makeDecompressorStats(const stats::Scope& http_scope,
                                        const DecompressorConfig& config) {
  std::string_view library = config.library->statsPrefix();  // "gzip." ...
  if (!library.empty() && library.back() == '.') library.remove_suffix(1);
  const stats::Scope s = http_scope.scope("decompressor").scope(config.library_name).scope(library);
  return {direction(s.scope("request")), direction(s.scope("response")),
          s.counter("decompression_error")};
}

}  // namespace meshproxy::filters::decompressor
