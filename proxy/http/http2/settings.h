#pragma once

#include <chrono>
#include <cstdint>

#include "proxy/http/header_validation.h"

namespace meshproxy {
class EventLoop;
}

namespace meshproxy::http::http2 {

struct Http2CodecStats;

// Per-connection options of the HTTP/2 codec: Envoy's Http2ProtocolOptions (same names, same
// defaults) plus the header limits of the connection manager or cluster. Plain values,
// translated once from config (config/http2_options_translator.h) and copied into each codec.
struct Http2Settings {
  // SETTINGS_HEADER_TABLE_SIZE: the HPACK table we let the peer use for what it sends us, and
  // the bound on the table we keep for what we send.
  uint32_t hpack_table_size = 4096;
  // SETTINGS_MAX_CONCURRENT_STREAMS we announce (streams the peer may open towards us).
  uint32_t max_concurrent_streams = 2147483647;
  // SETTINGS_INITIAL_WINDOW_SIZE we announce, and the connection window we grant at start.
  // Data of a stream whose reader is slow is held back only up to its stream window.
  uint32_t initial_stream_window_size = 268435456;
  uint32_t initial_connection_window_size = 268435456;
  // Extended CONNECT (RFC 8441, WebSocket over HTTP/2): the server announces
  // SETTINGS_ENABLE_CONNECT_PROTOCOL and accepts :protocol; the client sends upgrades that way.
  bool allow_connect = false;
  // false (Envoy's default): an invalid HTTP message (bad pseudo-headers, bad content-length,
  // forbidden fields) is a connection error: GOAWAY PROTOCOL_ERROR and close. true: only that
  // stream is reset with PROTOCOL_ERROR.
  bool override_stream_error_on_invalid_http_message = false;

  // Flood protection (Envoy's names and defaults). A peer over any of these is answered with
  // GOAWAY ENHANCE_YOUR_CALM and the connection is closed.
  // Frames queued for sending and not yet handed to the connection (it is above its write
  // watermark because the peer does not read).
  uint32_t max_outbound_frames = 10000;
  // PING and SETTINGS acknowledgements queued the same way (nghttp2's max_outbound_ack).
  uint32_t max_outbound_control_frames = 1000;
  // Consecutive DATA/HEADERS/CONTINUATION frames with no payload and no END_STREAM.
  uint32_t max_consecutive_inbound_frames_with_empty_payload = 1;
  // PRIORITY frames allowed per stream the peer opened (plus one stream's worth).
  uint32_t max_inbound_priority_frames_per_stream = 100;
  // WINDOW_UPDATE frames allowed per DATA frame we sent (plus a few per stream).
  uint32_t max_inbound_window_update_frames_per_data_frame_sent = 10;

  // CONTINUATION frames allowed after one HEADERS frame (nghttp2's max_continuations, its
  // default). A header block is bounded in bytes only once decoded; this bounds the frames
  // (and HPACK work) a peer can make us take for a block we are going to refuse (CONTINUATION
  // flood, CVE-2024-27316 / CVE-2024-28182). Over it: GOAWAY ENHANCE_YOUR_CALM.
  uint32_t max_continuation_frames = 8;

  // Rapid reset (CVE-2023-44487), Envoy's rule (runtime keys
  // overload.premature_reset_total_stream_count and ..._min_stream_lifetime_seconds): a stream
  // the peer resets before this lifetime is premature; once half of premature_reset_total
  // streams could be premature (or, past that many streams, half of all closed streams are),
  // the connection gets GOAWAY ENHANCE_YOUR_CALM and is closed. Server side only.
  uint32_t premature_reset_total_stream_count = 500;
  std::chrono::milliseconds premature_reset_min_stream_lifetime{1000};

  // connection_keepalive: a PING one interval (plus up to jitter percent of it) after the
  // connection opened or the last PING was acknowledged; no acknowledgement within timeout
  // closes the connection (no GOAWAY: the peer is presumed gone). Zero: no keepalive.
  std::chrono::milliseconds keepalive_interval{0};
  std::chrono::milliseconds keepalive_timeout{0};
  uint32_t keepalive_interval_jitter_percent = 15;

  // Bounds on a received header (or trailer) block, from the connection manager
  // (max_request_headers_kb, max_headers_count) or the cluster. A block over them resets its
  // stream (as Envoy does); the connection goes on. The kb bound is also announced as
  // SETTINGS_MAX_HEADER_LIST_SIZE.
  uint32_t max_headers_kb = 60;
  uint32_t max_headers_count = 100;
  // Server side: common_http_protocol_options.headers_with_underscores_action for request
  // headers and trailers (DROP_HEADER removes the field, REJECT_REQUEST resets the stream).
  HeadersWithUnderscoresAction headers_with_underscores_action =
      HeadersWithUnderscoresAction::kAllow;
  // A stream's send side (body queued for the peer, waiting for flow-control window) above
  // this raises the stream's high watermark; below half of it, the low one. Envoy uses the
  // connection's per_connection_buffer_limit_bytes.
  uint32_t stream_buffer_limit = 1024 * 1024;

  // The worker loop: keepalive timers, and delivery of data held while a stream was
  // read-disabled (from a zero-delay timer, so readDisable(false) never re-enters its caller).
  // Null (unit tests without a loop): no keepalive, and delivery happens inside
  // readDisable(false).
  EventLoop* loop = nullptr;
  // Counters (codec_stats.h); null: not counted (unit tests, upstream codecs).
  const Http2CodecStats* stats = nullptr;
};

}  // namespace meshproxy::http::http2
