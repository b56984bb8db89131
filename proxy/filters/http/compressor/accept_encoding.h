#pragma once

#include <span>
#include <string_view>

// Accept-Encoding negotiation (RFC 9110 12.5.3) among the compressors of a filter chain, with
// Envoy's rules (CompressorFilter::chooseEncoding): the chain's compressor filters decide
// together, once per response, which one compresses it.
namespace meshproxy::filters::compressor {

// One compressor filter of the chain, in chain order.
struct CompressorCandidate {
  std::string_view encoding;  // its content-coding: "gzip", "br", "zstd"
  bool choose_first = false;  // wins ties of q-value
  // Whether it may compress the response's content type (response_direction_config).
  bool content_type_allowed = true;
};

enum class EncodingStat : uint8_t {
  kNotValid,         // no acceptable encoding, or a header that says nothing usable
  kIdentity,         // the client prefers no compression
  kWildcard,         // "*": the first compressor of the chain
  kValidCompressor,  // a coding the client named
};

struct EncodingChoice {
  std::string_view encoding;  // "identity", or a candidate's encoding
  EncodingStat stat;
};

// The coding to use for a response given the request's Accept-Encoding:
// - elements are "coding;q=value"; q defaults to 1; an unparsable q drops the element; q=0
//   forbids the coding (even if "*" is also accepted);
// - a candidate takes part only if the response's content type is allowed for it, and only the
//   first candidate of each coding counts;
// - the highest q among the candidates' codings, "identity" and "*" wins; on equal q the later
//   element wins only if its coding's compressor has choose_first;
// - "*" means the first candidate still allowed; "identity" or nothing acceptable means no
//   compression.
EncodingChoice chooseEncoding(std::string_view accept_encoding,
                              std::span<const CompressorCandidate> chain);

}  // namespace meshproxy::filters::compressor
