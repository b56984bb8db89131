#include "proxy/filters/http/compressor/compressor_decisions.h"

#include "absl/strings/numbers.h"
#include "proxy/core/ascii_case.h"
#include "proxy/core/strings.h"
#include "proxy/http/header_list.h"

namespace meshproxy::filters::compressor {
namespace {

bool isMinimumContentLength(const DirectionConfig& d, const http::HeaderMap& headers) {
  auto length = headers.get("content-length");
  if (!length) return true;
  uint64_t n = 0;
  return absl::SimpleAtoi(toAbsl(*length), &n) && n >= d.min_content_length;
}

bool isContentTypeAllowed(const DirectionConfig& d, const http::HeaderMap& headers) {
  auto type = headers.get("content-type");
  if (!type || d.content_types.empty()) return true;
  const std::string_view media = http::trimOws(type->substr(0, type->find(';')));
  for (const std::string& allowed : d.content_types) {
    if (equalsIgnoreCase(media, allowed)) return true;
  }
  return false;
}

// An upgrade (WebSocket and friends): its body is not an HTTP message body.
bool isUpgrade(const http::HeaderMap& headers) {
  auto connection = headers.get("connection");
  return connection && headers.has("upgrade") && http::listHasToken(*connection, "upgrade");
}

bool hasNoTransform(const http::HeaderMap& headers) {
  auto cache_control = headers.getJoined("cache-control");
  return cache_control && http::listHasToken(*cache_control, "no-transform");
}

// Transfer-Encoding already naming a compression: compressing again gains nothing.
bool isTransferEncodingAllowed(const http::HeaderMap& headers, std::string_view own) {
  auto te = headers.getJoined("transfer-encoding");
  if (!te) return true;
  bool allowed = true;
  http::forEachListElement(*te, [&](std::string_view coding) {
    for (std::string_view c : {"gzip", "br", "deflate", "compress", "zstd"}) {
      if (equalsIgnoreCase(coding, c)) allowed = false;
    }
    if (equalsIgnoreCase(coding, own)) allowed = false;
    return allowed;
  });
  return allowed;
}

}  // namespace

bool responseCompressionEnabled(const CompressorConfig& config,
                                const CompressorPerRouteConfig* per_route) {
  if (per_route != nullptr && per_route->response_enabled.has_value()) {
    return *per_route->response_enabled;
  }
  return config.response.enabled;
}

bool shouldRemoveAcceptEncoding(const CompressorConfig& config,
                                const CompressorPerRouteConfig* per_route) {
  if (!responseCompressionEnabled(config, per_route)) return false;
  if (per_route != nullptr && per_route->remove_accept_encoding_header.has_value()) {
    return *per_route->remove_accept_encoding_header;
  }
  return config.remove_accept_encoding_header;
}

bool shouldCompressRequest(const CompressorConfig& config, const http::HeaderMap& request,
                           bool end_stream) {
  if (end_stream || !config.request || !config.request->enabled) return false;
  return !isUpgrade(request) && isMinimumContentLength(*config.request, request) &&
         isContentTypeAllowed(*config.request, request) && !request.has("content-encoding") &&
         isTransferEncodingAllowed(request, config.contentEncoding());
}

CompressorCandidate candidateFor(const CompressorConfig& config, const http::HeaderMap& response) {
  return {config.contentEncoding(), config.choose_first,
          isContentTypeAllowed(config.response, response)};
}

ResponseDecision decideResponse(const CompressorConfig& config,
                                const CompressorPerRouteConfig* per_route,
                                const http::HeaderMap& response, bool end_stream,
                                std::optional<std::string_view> accept_encoding,
                                std::span<const CompressorCandidate> chain) {
  ResponseDecision d{ResponseVerdict::kCompress};
  if (!responseCompressionEnabled(config, per_route)) {
    d.verdict = ResponseVerdict::kDisabled;
    return d;
  }
  if (!isMinimumContentLength(config.response, response)) {
    d.verdict = ResponseVerdict::kContentLengthTooSmall;
    return d;
  }
  const bool etag_blocks = config.disable_on_etag_header && response.has("etag");
  const bool compressible =
      !isUpgrade(response) && isContentTypeAllowed(config.response, response) &&
      !hasNoTransform(response) && !etag_blocks && !response.has("content-encoding");
  d.add_vary = compressible;
  if (end_stream) {
    d.verdict = ResponseVerdict::kHeadersOnly;
    return d;
  }
  // Negotiation before the other checks, as Envoy does, so its stats count every response
  // that could be compressed.
  if (!accept_encoding) {
    d.verdict = ResponseVerdict::kNoAcceptEncoding;
  } else {
    d.choice = chooseEncoding(*accept_encoding, chain);
    if (!equalsIgnoreCase(d.choice->encoding, config.contentEncoding())) {
      d.verdict = ResponseVerdict::kNotChosen;
    }
  }
  if (d.verdict != ResponseVerdict::kCompress) return d;
  if (etag_blocks) {
    d.verdict = ResponseVerdict::kEtag;
  } else if (!compressible) {
    d.verdict = ResponseVerdict::kNotCompressible;
  } else if (!isTransferEncodingAllowed(response, config.contentEncoding())) {
    d.verdict = ResponseVerdict::kTransferEncoding;
  }
  return d;
}

void markCompressed(http::HeaderMap& headers, std::string_view content_encoding, bool is_response) {
  if (is_response) {
    auto etag = headers.get("etag");
    const bool weak =
        etag && etag->size() > 2 && ((*etag)[0] == 'W' || (*etag)[0] == 'w') && (*etag)[1] == '/';
    // Envoy's rule: only an ETag longer than 2 characters that is not weak is dropped.
    if (etag && etag->size() > 2 && !weak) headers.remove("etag");
  }
  headers.remove("content-length");
  headers.set("content-encoding", content_encoding);
}

void addVaryAcceptEncoding(http::HeaderMap& response) {
  auto vary = response.getJoined("vary");
  if (!vary) {
    response.set("vary", "Accept-Encoding");
  } else if (!http::listHasToken(*vary, "accept-encoding")) {
    response.set("vary", *vary + ", Accept-Encoding");
  }
}

}  // namespace meshproxy::filters::compressor
