#include "proxy/filters/http/grpc_stats/grpc_frame_counter.h"

#include <algorithm>
#include <string_view>

namespace meshproxy::filters::grpc_stats {

uint64_t GrpcFrameCounter::inspect(const Buffer& data) {
  const uint64_t before = count_;
  data.forEachSlice([this](std::string_view slice) {
    size_t i = 0;
    while (i < slice.size()) {
      switch (state_) {
        case State::kFlags:
          ++count_;
          ++i;
          length_ = 0;
          length_bytes_ = 0;
          state_ = State::kLength;
          break;
        case State::kLength:
          length_ = (length_ << 8) | static_cast<uint8_t>(slice[i++]);
          if (++length_bytes_ == 4) {
            payload_left_ = length_;
            state_ = payload_left_ == 0 ? State::kFlags : State::kPayload;
          }
          break;
        case State::kPayload: {
          // Payload bytes are skipped a whole run at a time.
          const size_t n = static_cast<size_t>(std::min<uint64_t>(payload_left_, slice.size() - i));
          i += n;
          payload_left_ -= n;
          if (payload_left_ == 0) state_ = State::kFlags;
          break;
        }
      }
    }
  });
  return count_ - before;
}

}  // namespace meshproxy::filters::grpc_stats
