#include "proxy/core/slice_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "proxy/core/buffer.h"

namespace meshproxy {
namespace {

BufferSlice slice(size_t tag) { return BufferSlice{nullptr, tag, tag + 1}; }

std::string tags(const SliceQueue& q) {
  std::string out;
  for (const BufferSlice& s : q) out += std::to_string(s.start) + ",";
  return out;
}

TEST(SliceQueueTest, FifoOrderAcrossWrapAroundAndGrowth) {
  SliceQueue q;
  // Wrap the inline ring: the head moves forward before it fills.
  for (size_t i = 0; i < 3; ++i) q.push_back(slice(i));
  q.pop_front();
  q.pop_front();
  for (size_t i = 3; i < 6; ++i) q.push_back(slice(i));
  EXPECT_EQ(q.size(), 4u);
  EXPECT_EQ(tags(q), "2,3,4,5,");
  // Past the inline capacity while wrapped: order must survive the move to the heap.
  for (size_t i = 6; i < 40; ++i) q.push_back(slice(i));
  EXPECT_EQ(q.size(), 38u);
  EXPECT_EQ(q.front().start, 2u);
  EXPECT_EQ(q.back().start, 39u);
  for (size_t i = 2; i < 40; ++i) {
    ASSERT_EQ(q.front().start, i);
    q.pop_front();
  }
  EXPECT_TRUE(q.empty());
}

TEST(SliceQueueTest, MovesInlineAndHeapStorage) {
  SliceQueue small;
  small.push_back(slice(1));
  small.push_back(slice(2));
  small.pop_front();
  small.push_back(slice(3));
  SliceQueue a(std::move(small));
  EXPECT_TRUE(small.empty());
  EXPECT_EQ(tags(a), "2,3,");

  SliceQueue big;
  for (size_t i = 0; i < 10; ++i) big.push_back(slice(i));
  SliceQueue b;
  b.push_back(slice(99));
  b = std::move(big);
  EXPECT_TRUE(big.empty());
  EXPECT_EQ(b.size(), 10u);
  EXPECT_EQ(b.front().start, 0u);
  EXPECT_EQ(b.back().start, 9u);
  // The moved-from queue is usable again.
  big.push_back(slice(7));
  EXPECT_EQ(tags(big), "7,");
}

TEST(SliceQueueTest, BufferWithManySlicesDrainsAndMovesInOrder) {
  // 20 slices: beyond the inline ring, through Buffer's own paths.
  std::string data;
  for (size_t i = 0; i < Buffer::kSliceSize * 20; ++i) data += static_cast<char>('a' + i % 23);
  Buffer a;
  a.add(data);
  EXPECT_EQ(a.sliceCount(), 20u);
  a.drain(Buffer::kSliceSize * 3 + 7);
  Buffer b;
  b.add("x");
  b.move(a, Buffer::kSliceSize * 5);
  EXPECT_EQ(b.toString(), "x" + data.substr(Buffer::kSliceSize * 3 + 7, Buffer::kSliceSize * 5));
  Buffer c(std::move(a));
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(c.toString(), data.substr(Buffer::kSliceSize * 8 + 7));
}

TEST(SliceQueueTest, AppendContiguousStartsANewSliceWhenTheTailIsShort) {
  Buffer b;
  b.add(std::string(Buffer::kSliceSize - 3, 'a'));
  char* p = b.appendContiguous(10);
  for (int i = 0; i < 10; ++i) p[i] = 'z';
  EXPECT_EQ(b.length(), Buffer::kSliceSize - 3 + 10);
  EXPECT_EQ(b.sliceCount(), 2u);
  EXPECT_EQ(b.toString().substr(Buffer::kSliceSize - 3), std::string(10, 'z'));
}

}  // namespace
}  // namespace meshproxy
