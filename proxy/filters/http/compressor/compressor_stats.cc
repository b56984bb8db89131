#include "proxy/filters/http/compressor/compressor_stats.h"

#include "proxy/core/ascii_case.h"

namespace meshproxy::filters::compressor {

CompressorStats makeCompressorStats(const stats::Scope& http_scope,
                                    const CompressorConfig& config) {
  std::string_view library = config.library->statsPrefix();  // "gzip." ...
  if (!library.empty() && library.back() == '.') library.remove_suffix(1);
  const stats::Scope s = http_scope.scope("compressor").scope(config.library_name).scope(library);
  const stats::Scope r = s.scope("request");
  return {s.counter("compressed"),
          s.counter("not_compressed"),
          s.counter("no_accept_header"),
          s.counter("header_identity"),
          s.counter("header_compressor_used"),
          s.counter("header_compressor_overshadowed"),
          s.counter("header_wildcard"),
          s.counter("header_not_valid"),
          s.counter("total_uncompressed_bytes"),
          s.counter("total_compressed_bytes"),
          s.counter("content_length_too_small"),
          r.counter("compressed"),
          r.counter("not_compressed"),
          r.counter("total_uncompressed_bytes"),
          r.counter("total_compressed_bytes")};
}

void recordResponseDecision(const CompressorStats& stats, const CompressorConfig& config,
                            const ResponseDecision& decision) {
  if (decision.choice) {
    switch (decision.choice->stat) {
      case EncodingStat::kNotValid:
        stats.header_not_valid.inc();
        break;
      case EncodingStat::kIdentity:
        stats.header_identity.inc();
        break;
      case EncodingStat::kWildcard:
        stats.header_wildcard.inc();
        break;
      case EncodingStat::kValidCompressor:
        // Another compressor of the chain won the negotiation: this one is overshadowed.
        if (equalsIgnoreCase(decision.choice->encoding, config.contentEncoding())) {
          stats.header_compressor_used.inc();
        } else {
          stats.header_compressor_overshadowed.inc();
        }
        break;
    }
  }
  switch (decision.verdict) {
    case ResponseVerdict::kCompress:
      stats.compressed.inc();
      return;
    case ResponseVerdict::kDisabled:
    case ResponseVerdict::kHeadersOnly:
      // Envoy counts neither: the filter did not consider the body.
      return;
    case ResponseVerdict::kContentLengthTooSmall:
      stats.content_length_too_small.inc();
      break;
    case ResponseVerdict::kNoAcceptEncoding:
      stats.no_accept_header.inc();
      break;
    default:
      break;
  }
  stats.not_compressed.inc();
}

}  // namespace meshproxy::filters::compressor
