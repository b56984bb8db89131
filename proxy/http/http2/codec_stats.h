#pragma once

#include "proxy/stats/counter.h"
#include "proxy/stats/scope.h"

namespace meshproxy::http::http2 {

// Envoy's HTTP/2 codec counters ("http.<stat_prefix>.http2.*" downstream, "cluster.<name>
// .http2.*" upstream), plus the connection manager's premature-reset counter, which the server
// codec detects. Created once per connection manager or cluster config; codecs hold a pointer
// (Http2Settings::stats) for their lifetime.
struct Http2CodecStats {
  stats::Counter& header_overflow;
  stats::Counter& inbound_empty_frames_flood;
  stats::Counter& inbound_priority_frames_flood;
  stats::Counter& inbound_window_update_frames_flood;
  stats::Counter& outbound_control_flood;
  stats::Counter& outbound_flood;
  stats::Counter& rx_messaging_error;
  stats::Counter& rx_reset;
  stats::Counter& tx_reset;
  stats::Counter& goaway_sent;
  stats::Counter& keepalive_timeout;
  // meshproxy's own: a header block split over more CONTINUATION frames than allowed.
  stats::Counter& too_many_continuation_frames;
  // headers_with_underscores_action (server side only).
  stats::Counter& dropped_headers_with_underscores;
  stats::Counter& requests_rejected_with_underscores_in_headers;
  // "<prefix>.downstream_rq_too_many_premature_resets" (Envoy's name, one level up); null
  // upstream (a client codec does not police resets).
  stats::Counter* too_many_premature_resets;

  static Http2CodecStats create(const stats::Scope& hcm_scope) {
    return make(hcm_scope, &hcm_scope.counter("downstream_rq_too_many_premature_resets"));
  }
  static Http2CodecStats createUpstream(const stats::Scope& cluster_scope) {
    return make(cluster_scope, nullptr);
  }

 private:
  static Http2CodecStats make(const stats::Scope& scope, stats::Counter* premature_resets) {
    stats::Scope s = scope.scope("http2");
    return Http2CodecStats{
        s.counter("header_overflow"),
        s.counter("inbound_empty_frames_flood"),
        s.counter("inbound_priority_frames_flood"),
        s.counter("inbound_window_update_frames_flood"),
        s.counter("outbound_control_flood"),
        s.counter("outbound_flood"),
        s.counter("rx_messaging_error"),
        s.counter("rx_reset"),
        s.counter("tx_reset"),
        s.counter("goaway_sent"),
        s.counter("keepalive_timeout"),
        s.counter("too_many_continuation_frames"),
        s.counter("dropped_headers_with_underscores"),
        s.counter("requests_rejected_with_underscores_in_headers"),
        premature_resets,
    };
  }
};

}  // namespace meshproxy::http::http2
