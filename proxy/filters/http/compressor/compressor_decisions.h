#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "proxy/filters/http/compressor/accept_encoding.h"
#include "proxy/filters/http/compressor/compressor_config.h"
#include "proxy/http/header_map.h"

// The header decisions of envoy.filters.http.compressor, as pure functions of the config and
// the headers: whether to compress, and how the headers change when it does. The filter calls
// them from decodeHeaders/encodeHeaders and runs a StreamCompressor over the body.
namespace meshproxy::filters::compressor {

// Whether the route leaves response compression on (CompressorPerRoute, else the filter's).
bool responseCompressionEnabled(const CompressorConfig& config,
                                const CompressorPerRouteConfig* per_route);

// decodeHeaders: drop Accept-Encoding before the upstream sees it (remove_accept_encoding_header,
// when response compression is enabled for the route).
bool shouldRemoveAcceptEncoding(const CompressorConfig& config,
                                const CompressorPerRouteConfig* per_route);

// decodeHeaders: compress the request body (request_direction_config set and enabled, a body
// follows, not an upgrade, long enough, an allowed content type, no Content-Encoding yet, no
// compressing Transfer-Encoding). Then call markCompressed() on the request headers.
bool shouldCompressRequest(const CompressorConfig& config, const http::HeaderMap& request,
                           bool end_stream);

// Why a response is (not) compressed, for the filter's stats.
enum class ResponseVerdict : uint8_t {
  kCompress,
  kDisabled,  // by config or per route
  kContentLengthTooSmall,
  kNoAcceptEncoding,  // the request had none
  kNotChosen,         // Accept-Encoding chose identity, or another compressor of the chain
  kNotCompressible,   // upgrade, content type, Cache-Control: no-transform, already encoded
  kEtag,              // disable_on_etag_header and an ETag
  kHeadersOnly,       // no body follows
  kTransferEncoding,  // already compressed by Transfer-Encoding
};

struct ResponseDecision {
  ResponseVerdict verdict;
  // Vary: Accept-Encoding goes on whenever the response could be compressed for some client,
  // compressed this time or not (a cache in front must not serve one client's form to another).
  bool add_vary = false;
  // The Accept-Encoding negotiation (stats: header_compressor_used / overshadowed / identity /
  // wildcard / not_valid); nullopt when it did not run.
  std::optional<EncodingChoice> choice;
};

// encodeHeaders. `accept_encoding`: the request's header value, nullopt when it had none.
// `chain`: every compressor filter on this stream, in chain order (this one included), so
// that they agree on one coding.
ResponseDecision decideResponse(const CompressorConfig& config,
                                const CompressorPerRouteConfig* per_route,
                                const http::HeaderMap& response, bool end_stream,
                                std::optional<std::string_view> accept_encoding,
                                std::span<const CompressorCandidate> chain);

// This compressor as a candidate of the negotiation for a response with these headers.
CompressorCandidate candidateFor(const CompressorConfig& config, const http::HeaderMap& response);

// Headers of a message whose body is about to be compressed: Content-Length removed,
// Content-Encoding set; for a response, a strong ETag removed (a weak one stays: the
// representation is semantically the same).
void markCompressed(http::HeaderMap& headers, std::string_view content_encoding, bool is_response);

// Adds "Accept-Encoding" to Vary unless it is listed already.
void addVaryAcceptEncoding(http::HeaderMap& response);

}  // namespace meshproxy::filters::compressor
