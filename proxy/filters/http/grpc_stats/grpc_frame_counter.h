#pragma once

#include <cstdint>

#include "proxy/core/buffer.h"

namespace meshproxy::filters::grpc_stats {

// Counts gRPC length-prefixed messages (1 flag byte, 4-byte big-endian length, payload) in a
// body as it streams by, without buffering or copying: a message counts when its first byte
// passes, wherever the chunk boundaries fall (Envoy's Grpc::FrameInspector).
class GrpcFrameCounter {
 public:
  // How many messages began in `data`, which follows what earlier calls saw.
  uint64_t inspect(const Buffer& data);
  uint64_t frameCount() const { return count_; }

 private:
  enum class State : uint8_t { kFlags, kLength, kPayload };
  State state_ = State::kFlags;
  uint8_t length_bytes_ = 0;
  uint32_t length_ = 0;
  uint64_t payload_left_ = 0;
  uint64_t count_ = 0;
};

}  // namespace meshproxy::filters::grpc_stats
