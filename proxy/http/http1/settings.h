#pragma once

#include <cstddef>
#include <cstdint>

#include "proxy/http/header_validation.h"
#include "proxy/stats/counter.h"

namespace meshproxy {
class EventLoop;
}

namespace meshproxy::http::http1 {

// Envoy's downstream HTTP/1 codec stats, rooted at "http1." (not per listener or HCM).
struct Http1CodecStats {
  stats::Counter& dropped_headers_with_underscores;
  stats::Counter& requests_rejected_with_underscores_in_headers;
};

// Per-connection limits and hooks of the HTTP/1.1 codec (Envoy's Http1ProtocolOptions and the
// HttpConnectionManager header limits). Plain values: translated once from config, copied into
// each codec.
struct Http1Settings {
  // Bound on a header (or trailer) section, start line and line endings included. Larger
  // sections are answered 431 by the server codec and fail the response on the client codec.
  uint32_t max_request_headers_kb = 60;
  uint32_t max_response_headers_kb = 60;
  // Bound on the number of header (or trailer) fields of one message.
  uint32_t max_headers_count = 100;
  // Unparsed bytes (pipelined requests, or body held back while the stream is read-disabled)
  // above which the codec stops reading the connection.
  uint32_t max_buffered_input_bytes = 8 * 1024;
  // Stream::bufferLimit(): what the filters and the router may hold of one stream's body
  // (the connection's buffer limit, per_connection_buffer_limit_bytes; Envoy's 1 MiB default).
  uint32_t stream_buffer_limit = 1024 * 1024;
  // Server codec: request fields (and trailers) whose name contains '_'.
  HeadersWithUnderscoresAction headers_with_underscores_action =
      HeadersWithUnderscoresAction::kAllow;
  // Counts the drops and rejections above; may be null (unit tests). Owned by the
  // connection manager's config, which outlives every codec it creates.
  const Http1CodecStats* codec_stats = nullptr;
  // The worker loop. When set, the server codec resumes parsing pipelined requests, and
  // performs its graceful closes, from a zero-delay timer, so the caller is never re-entered
  // from inside its own encode call. When null (unit tests), both happen synchronously at the
  // end of the encode call that completed the response.
  EventLoop* loop = nullptr;
};

}  // namespace meshproxy::http::http1
