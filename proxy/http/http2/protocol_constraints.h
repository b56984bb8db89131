#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>

#include "absl/status/status.h"
#include "proxy/http/http2/settings.h"

namespace meshproxy::http::http2 {

// Envoy's inbound flood limits for one HTTP/2 connection (the outbound ones are checked by
// the connection against nghttp2's queue). Each check returns ResourceExhausted naming the
// flood; the connection answers with GOAWAY ENHANCE_YOUR_CALM and closes.
class ProtocolConstraints {
 public:
  explicit ProtocolConstraints(const Http2Settings& settings) : settings_(settings) {}

  // A frame header arrived (before its payload): PRIORITY and WINDOW_UPDATE counting.
  absl::Status onFrameBegin(const nghttp2_frame_hd& hd);
  // A DATA or HEADERS frame was received whole; `padding` is its padding length.
  absl::Status onFrameReceived(const nghttp2_frame_hd& hd, size_t padding);
  // The peer opened (or answered) a stream: more PRIORITY and WINDOW_UPDATE frames allowed.
  void onStreamOpened() { ++opened_streams_; }
  void onDataFrameSent() { ++outbound_data_frames_; }
  // A peer-opened stream closed; `premature` if the peer reset it before
  // premature_reset_min_stream_lifetime. Error once the premature resets are too many.
  absl::Status onRemoteStreamClosed(bool premature);

  uint64_t openedStreams() const { return opened_streams_; }

 private:
  const Http2Settings& settings_;
  uint32_t consecutive_empty_frames_ = 0;
  uint64_t closed_remote_streams_ = 0;
  uint64_t premature_resets_ = 0;
  uint64_t inbound_priority_frames_ = 0;
  uint64_t inbound_window_update_frames_ = 0;
  uint64_t opened_streams_ = 0;
  uint64_t outbound_data_frames_ = 0;
};

}  // namespace meshproxy::http::http2
