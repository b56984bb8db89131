#include "proxy/http/http2/protocol_constraints.h"

namespace meshproxy::http::http2 {

absl::Status ProtocolConstraints::onFrameBegin(const nghttp2_frame_hd& hd) {
  if (hd.type == NGHTTP2_PRIORITY) {
    ++inbound_priority_frames_;
    if (inbound_priority_frames_ >
        static_cast<uint64_t>(settings_.max_inbound_priority_frames_per_stream) *
            (1 + opened_streams_)) {
      return absl::ResourceExhaustedError("http2.inbound_priority_frames_flood");
    }
  } else if (hd.type == NGHTTP2_WINDOW_UPDATE) {
    ++inbound_window_update_frames_;
    // Envoy's bound: a few per stream, and max_..._per_data_frame_sent per DATA frame we sent
    // (each one can legitimately be answered by a WINDOW_UPDATE).
    const uint64_t limit =
        1 +
        2 * (opened_streams_ +
             static_cast<uint64_t>(settings_.max_inbound_window_update_frames_per_data_frame_sent) *
                 outbound_data_frames_);
    if (inbound_window_update_frames_ > limit) {
      return absl::ResourceExhaustedError("http2.inbound_window_update_frames_flood");
    }
  }
  return absl::OkStatus();
}

absl::Status ProtocolConstraints::onFrameReceived(const nghttp2_frame_hd& hd, size_t padding) {
  if (hd.type != NGHTTP2_DATA && hd.type != NGHTTP2_HEADERS) return absl::OkStatus();
  if (hd.length - padding == 0 && (hd.flags & NGHTTP2_FLAG_END_STREAM) == 0) {
    if (++consecutive_empty_frames_ > settings_.max_consecutive_inbound_frames_with_empty_payload) {
      return absl::ResourceExhaustedError("http2.inbound_empty_frames_flood");
    }
  } else {
    consecutive_empty_frames_ = 0;
  }
  return absl::OkStatus();
}

absl::Status ProtocolConstraints::onRemoteStreamClosed(bool premature) {
  ++closed_remote_streams_;
  if (premature) ++premature_resets_;
  if (premature_resets_ == 0) return absl::OkStatus();
  // Envoy's ConnectionManagerImpl::maybeDrainDueToPrematureResets: before `limit` streams,
  // close as soon as the resets alone make half of `limit` (the ratio can no longer end
  // below one half); after, when half of the closed streams were premature resets.
  const uint64_t limit = settings_.premature_reset_total_stream_count;
  const uint64_t base = closed_remote_streams_ < limit ? limit : closed_remote_streams_;
  if (premature_resets_ * 2 < base) return absl::OkStatus();
  return absl::ResourceExhaustedError("http2.too_many_premature_resets");
}

}  // namespace meshproxy::http::http2
