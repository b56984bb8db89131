#pragma once

#include <string_view>

#include "proxy/filters/http/compressor/compressor_decisions.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/scope.h"

// envoy.filters.http.compressor's stats, rooted at
// <connection manager stat prefix>.compressor.<library name>.<gzip|brotli|zstd>. as Envoy names
// them, and how a response decision counts.
namespace meshproxy::filters::compressor {

struct CompressorStats {
  stats::Counter& compressed;
  stats::Counter& not_compressed;
  stats::Counter& no_accept_header;
  stats::Counter& header_identity;
  stats::Counter& header_compressor_used;
  stats::Counter& header_compressor_overshadowed;
  stats::Counter& header_wildcard;
  stats::Counter& header_not_valid;
  stats::Counter& total_uncompressed_bytes;
  stats::Counter& total_compressed_bytes;
  stats::Counter& content_length_too_small;
  // request.*: the request direction.
  stats::Counter& request_compressed;
  stats::Counter& request_not_compressed;
  stats::Counter& request_total_uncompressed_bytes;
  stats::Counter& request_total_compressed_bytes;
};

// `http_scope`: the connection manager's scope ("http.<stat_prefix>").
CompressorStats makeCompressorStats(const stats::Scope& http_scope, const CompressorConfig& config);

// Counts a response decision: compressed / not_compressed, the negotiation's header_* stat,
// no_accept_header, content_length_too_small. Bytes are counted by the filter as it compresses.
void recordResponseDecision(const CompressorStats& stats, const CompressorConfig& config,
                            const ResponseDecision& decision);

}  // namespace meshproxy::filters::compressor
