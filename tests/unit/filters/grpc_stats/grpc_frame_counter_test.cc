// Counting gRPC length-prefixed messages as a body streams by, at any chunk boundary.
#include "proxy/filters/http/grpc_stats/grpc_frame_counter.h"

#include <gtest/gtest.h>

#include <string>

namespace meshproxy::filters::grpc_stats {
namespace {

// One gRPC message: flag 0, big-endian length, `payload`.
std::string frame(const std::string& payload) {
  std::string out(5, '\0');
  const uint32_t n = static_cast<uint32_t>(payload.size());
  out[1] = static_cast<char>(n >> 24);
  out[2] = static_cast<char>(n >> 16);
  out[3] = static_cast<char>(n >> 8);
  out[4] = static_cast<char>(n);
  return out + payload;
}

uint64_t inspect(GrpcFrameCounter& counter, const std::string& bytes) {
  Buffer b;
  b.add(bytes.data(), bytes.size());
  return counter.inspect(b);
}

TEST(GrpcFrameCounterTest, WholeMessagesInOneChunk) {
  GrpcFrameCounter c;
  EXPECT_EQ(inspect(c, frame("abc") + frame("") + frame(std::string(300, 'x'))), 3u);
  EXPECT_EQ(c.frameCount(), 3u);
  EXPECT_EQ(inspect(c, ""), 0u);
}

// Every split point of a three-message body: the same three messages, each counted when its
// first byte passes.
TEST(GrpcFrameCounterTest, AnySplitGivesTheSameCount) {
  const std::string body = frame("hello") + frame("") + frame(std::string(70000, 'y'));
  for (size_t split = 0; split <= body.size(); split += (split < 40 ? 1 : 997)) {
    GrpcFrameCounter c;
    uint64_t first = inspect(c, body.substr(0, split));
    uint64_t second = inspect(c, body.substr(split));
    EXPECT_EQ(first + second, 3u) << "split at " << split;
    EXPECT_EQ(c.frameCount(), 3u);
  }
}

TEST(GrpcFrameCounterTest, ByteAtATime) {
  const std::string body = frame("a") + frame("bc") + frame("");
  GrpcFrameCounter c;
  std::vector<uint64_t> at;
  for (size_t i = 0; i < body.size(); ++i) {
    if (inspect(c, body.substr(i, 1)) == 1) at.push_back(i);
  }
  EXPECT_EQ(at, (std::vector<uint64_t>{0, 6, 13}));
}

// A body made of many slices (larger than one buffer slice) is read in place.
TEST(GrpcFrameCounterTest, ManySlices) {
  Buffer b;
  std::string body;
  for (int i = 0; i < 1000; ++i) body += frame(std::string(100, 'z'));
  b.add(body.data(), body.size());
  ASSERT_GT(b.sliceCount(), 1u);
  GrpcFrameCounter c;
  EXPECT_EQ(c.inspect(b), 1000u);
  EXPECT_EQ(b.length(), body.size());  // not consumed
}

}  // namespace
}  // namespace meshproxy::filters::grpc_stats
