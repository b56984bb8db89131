#include "proxy/core/buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace meshproxy {
namespace {

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

TEST(BufferTest, AddSpansSlicesAndReadsBack) {
  Buffer b;
  std::string data = pattern(Buffer::kSliceSize * 2 + 123);
  b.add(data);
  EXPECT_EQ(b.length(), data.size());
  EXPECT_EQ(b.sliceCount(), 3u);
  EXPECT_EQ(b.toString(), data);
  EXPECT_EQ(b.toString(5), "abcde");
}

TEST(BufferTest, DrainAcrossSlices) {
  Buffer b;
  std::string data = pattern(Buffer::kSliceSize + 10);
  b.add(data);
  b.drain(Buffer::kSliceSize - 5);
  EXPECT_EQ(b.toString(), data.substr(Buffer::kSliceSize - 5));
  b.drain(1000000);
  EXPECT_TRUE(b.empty());
  b.add("x");
  EXPECT_EQ(b.toString(), "x");
}

TEST(BufferTest, MoveAllAndPart) {
  Buffer a, b;
  std::string data = pattern(Buffer::kSliceSize + 500);
  a.add(data);
  b.add("head:");
  b.move(a, 7);
  EXPECT_EQ(b.toString(), "head:" + data.substr(0, 7));
  EXPECT_EQ(a.toString(), data.substr(7));
  b.move(a);
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(b.toString(), "head:" + data);
}

TEST(BufferTest, ReserveAndCommitLikeASocketRead) {
  Buffer b;
  uv_buf_t space = b.reserveForRead();
  ASSERT_GE(space.len, 4096u);
  std::memcpy(space.base, "hello", 5);
  b.commit(5);
  EXPECT_EQ(b.toString(), "hello");
  // A read that returns nothing leaves the buffer as it was.
  b.reserveForRead();
  b.commit(0);
  EXPECT_EQ(b.toString(), "hello");
}

TEST(BufferTest, IovecsDescribeTheBytesInOrder) {
  Buffer b;
  std::string data = pattern(Buffer::kSliceSize * 3);
  b.add(data);
  uv_buf_t bufs[2];
  int n = b.fillIovecs(bufs, 2);
  ASSERT_EQ(n, 2);
  EXPECT_EQ(std::string(bufs[0].base, bufs[0].len) + std::string(bufs[1].base, bufs[1].len),
            data.substr(0, 2 * Buffer::kSliceSize));
}

TEST(BufferTest, MoveAssignmentKeepsContent) {
  Buffer a;
  a.add("abc");
  Buffer b;
  b.add("zzz");
  b = std::move(a);
  EXPECT_EQ(b.toString(), "abc");
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from state is specified
}

}  // namespace
}  // namespace meshproxy
