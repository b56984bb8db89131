#pragma once

#include <cstdint>
#include <string_view>

#include "proxy/core/buffer.h"
#include "proxy/http/header_map.h"
#include "proxy/http/http1/output.h"

// Serialization shared by the HTTP/1 response encoder (server codec) and request encoder
// (client codec). The codecs decide the framing; these write the bytes.
namespace meshproxy::http::http1 {

// How an encoder frames the body it writes.
enum class BodyFraming {
  kNone,            // no body: HEAD, 204, 304, Content-Length: 0, or headers that ended it
  kContentLength,   // as the Content-Length field says
  kChunked,         // chunked transfer coding
  kCloseDelimited,  // the body ends when the connection does (responses to HTTP/1.0)
  kRaw,             // after an upgrade: bytes as they come
};

inline constexpr std::string_view kCrlf = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n";

// The standard reason phrase, or "Unknown" (clients ignore it; RFC 9112 4).
std::string_view reasonPhrase(uint32_t status);
// "HTTP/1.1 <status> <reason>\r\n".
void appendStatusLine(Buffer& out, uint32_t status);
// "<method> <target> HTTP/1.1\r\n".
void appendRequestLine(Buffer& out, std::string_view method, std::string_view target);
void appendField(Buffer& out, std::string_view name, std::string_view value);
// "<hex length>\r\n".
void appendChunkHeader(Buffer& out, uint64_t length);
// Writes (drains) `data` as body bytes framed as `framing` says; with `end_stream`, a chunked
// body gets its last chunk (trailers, if any, are the caller's to write instead).
void writeBody(Output& output, BodyFraming framing, Buffer& data, bool end_stream);

// What the message's own header map says about framing and connection management. The
// codecs generate these fields themselves; the map's values are only inputs.
struct FramingFields {
  // content-length: present, and whether every occurrence is the same plain decimal.
  bool has_content_length = false;
  bool content_length_valid = false;
  uint64_t content_length = 0;
  // Tokens of the connection field.
  bool connection_close = false;
  bool connection_upgrade = false;
  bool connection_keep_alive = false;
};
FramingFields inspectFraming(const HeaderMap& headers);

// Which fields appendFields leaves out because the codec writes them itself.
enum SkipField : uint32_t {
  kSkipConnection = 1u << 0,
  kSkipHost = 1u << 1,
  kSkipUpgrade = 1u << 2,
};
// Writes the regular fields of `headers`: never pseudo-headers, transfer-encoding or
// content-length (framing belongs to the codec), and not those named in `skip`. A field
// whose name is not a token or whose value holds CR, LF or NUL is dropped rather than
// written, so a header map can never inject lines.
void appendFields(Buffer& out, const HeaderMap& headers, uint32_t skip);

// True when `value` (a comma-separated list) holds `token`, compared case-insensitively.
bool hasListToken(std::string_view value, std::string_view token);

}  // namespace meshproxy::http::http1
