#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/core/slice_queue.h"

namespace meshproxy {

// A byte queue made of fixed-size slices. Reads land directly in a slice (no copy), and
// moving data from one connection's read buffer to another's write buffer moves slices,
// not bytes. Slices come from a per-thread free list, so steady traffic allocates nothing.
class Buffer {
 public:
  static constexpr size_t kSliceSize = 16 * 1024;

  Buffer() = default;
  ~Buffer();
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  size_t length() const { return length_; }
  bool empty() const { return length_ == 0; }

  // Small appends that fit the tail slice (header serialization: a few bytes at a time) take
  // the inline path; the rest goes out of line.
  void add(const void* data, size_t size) {
    if (!slices_.empty()) {
      Slice& tail = slices_.back();
      if (size <= freeSpace(tail)) {
        if (size != 0) std::memcpy(tail.mem + tail.end, data, size);
        tail.end += size;
        length_ += size;
        return;
      }
    }
    addSlow(data, size);
  }
  void add(std::string_view data) { add(data.data(), data.size()); }
  // Appends `size` (<= kSliceSize) bytes of contiguous space and returns where to write them;
  // they count as data at once. For serializers that know a field's length up front.
  char* appendContiguous(size_t size);
  // Moves everything (or the first `size` bytes) of other onto the end of this buffer.
  void move(Buffer& other);
  void move(Buffer& other, size_t size);
  void drain(size_t size);
  void clear() { drain(length_); }

  // Copies out the first `size` bytes (or all) without draining.
  std::string toString() const;
  std::string toString(size_t size) const;
  void copyOut(size_t offset, size_t size, void* out) const;
  // Pointer to the first contiguous bytes, or {} if empty.
  std::string_view frontSlice() const;
  size_t sliceCount() const { return slices_.size(); }
  // Visits each contiguous region in order; used by parsers and writev.
  template <typename F>
  void forEachSlice(F&& f) const {
    for (size_t i = 0; i < slices_.size(); ++i) {
      const Slice& s = slices_[i];
      if (s.end > s.start) f(std::string_view(s.mem + s.start, s.end - s.start));
    }
  }

  // Fills up to max_bufs uv_buf_t entries that describe the first bytes, for writev.
  // Returns the number filled; the memory stays valid until those bytes are drained.
  int fillIovecs(uv_buf_t* bufs, int max_bufs) const;

  // Read path: hands out writable space at the tail for the socket to fill, then commit()
  // publishes what was actually read. At most one reservation is outstanding.
  uv_buf_t reserveForRead();
  void commit(size_t size);

 private:
  using Slice = BufferSlice;
  static size_t freeSpace(const Slice& s) { return kSliceSize - s.end; }
  void addSlow(const void* data, size_t size);
  Slice& tailWithSpace();
  static char* allocateSlice();
  static void releaseSlice(char* mem);

  SliceQueue slices_;
  size_t length_ = 0;
};

}  // namespace meshproxy
