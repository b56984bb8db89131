#include "proxy/core/buffer.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace meshproxy {
namespace {

// Free slices kept per thread. Bounded so a burst does not pin memory forever.
constexpr size_t kMaxCachedSlices = 256;

struct SliceCache {
  std::vector<char*> free;
  ~SliceCache() {
    for (char* p : free) delete[] p;
  }
};
thread_local SliceCache t_cache;

}  // namespace

char* Buffer::allocateSlice() {
  if (!t_cache.free.empty()) {
    char* p = t_cache.free.back();
    t_cache.free.pop_back();
    return p;
  }
  return new char[kSliceSize];
}

void Buffer::releaseSlice(char* mem) {
  if (t_cache.free.size() < kMaxCachedSlices) {
    t_cache.free.push_back(mem);
  } else {
    delete[] mem;
  }
}

Buffer::~Buffer() {
  for (auto& s : slices_) releaseSlice(s.mem);
}

Buffer::Buffer(Buffer&& other) noexcept
    : slices_(std::move(other.slices_)), length_(other.length_) {
  other.slices_.clear();
  other.length_ = 0;
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    clear();
    for (auto& s : slices_) releaseSlice(s.mem);
    slices_ = std::move(other.slices_);
    length_ = other.length_;
    other.slices_.clear();
    other.length_ = 0;
  }
  return *this;
}

Buffer::Slice& Buffer::tailWithSpace() {
  if (slices_.empty() || freeSpace(slices_.back()) == 0) {
    slices_.push_back(Slice{allocateSlice(), 0, 0});
  }
  return slices_.back();
}

char* Buffer::appendContiguous(size_t size) {
  if (slices_.empty() || freeSpace(slices_.back()) < size) {
    slices_.push_back(Slice{allocateSlice(), 0, 0});
  }
  Slice& tail = slices_.back();
  char* out = tail.mem + tail.end;
  tail.end += size;
  length_ += size;
  return out;
}

void Buffer::addSlow(const void* data, size_t size) {
  const char* src = static_cast<const char*>(data);
  while (size > 0) {
    Slice& tail = tailWithSpace();
    size_t n = std::min(size, freeSpace(tail));
    std::memcpy(tail.mem + tail.end, src, n);
    tail.end += n;
    length_ += n;
    src += n;
    size -= n;
  }
}

void Buffer::move(Buffer& other) {
  if (other.length_ == 0) return;
  // Small tails are copied into our last slice rather than linked, so a stream of tiny
  // writes does not become a long chain of mostly empty slices.
  for (auto& s : other.slices_) {
    size_t n = s.end - s.start;
    if (n == 0) {
      releaseSlice(s.mem);
      continue;
    }
    if (!slices_.empty() && n <= freeSpace(slices_.back()) && n < 1024) {
      Slice& tail = slices_.back();
      std::memcpy(tail.mem + tail.end, s.mem + s.start, n);
      tail.end += n;
      releaseSlice(s.mem);
    } else {
      slices_.push_back(s);
    }
    length_ += n;
  }
  other.slices_.clear();
  other.length_ = 0;
}

void Buffer::move(Buffer& other, size_t size) {
  size = std::min(size, other.length_);
  if (size == other.length_) {
    move(other);
    return;
  }
  while (size > 0) {
    Slice& front = other.slices_.front();
    size_t n = front.end - front.start;
    if (n <= size) {
      slices_.push_back(front);
      other.slices_.pop_front();
      length_ += n;
      other.length_ -= n;
      size -= n;
    } else {
      add(front.mem + front.start, size);
      front.start += size;
      other.length_ -= size;
      size = 0;
    }
  }
}

void Buffer::drain(size_t size) {
  size = std::min(size, length_);
  length_ -= size;
  while (size > 0) {
    Slice& front = slices_.front();
    size_t n = front.end - front.start;
    if (n <= size) {
      size -= n;
      releaseSlice(front.mem);
      slices_.pop_front();
    } else {
      front.start += size;
      size = 0;
    }
  }
  // Drop empty leading slices (left by a reservation that read nothing).
  while (!slices_.empty() && slices_.front().start == slices_.front().end && slices_.size() > 1) {
    releaseSlice(slices_.front().mem);
    slices_.pop_front();
  }
  if (length_ == 0 && slices_.size() == 1) {
    // Reuse the remaining slice from its beginning.
    slices_.front().start = slices_.front().end = 0;
  }
}

std::string Buffer::toString() const { return toString(length_); }

std::string Buffer::toString(size_t size) const {
  size = std::min(size, length_);
  std::string out(size, '\0');
  copyOut(0, size, out.data());
  return out;
}

void Buffer::copyOut(size_t offset, size_t size, void* out) const {
  char* dst = static_cast<char*>(out);
  for (const auto& s : slices_) {
    if (size == 0) break;
    size_t n = s.end - s.start;
    if (offset >= n) {
      offset -= n;
      continue;
    }
    size_t take = std::min(n - offset, size);
    std::memcpy(dst, s.mem + s.start + offset, take);
    dst += take;
    size -= take;
    offset = 0;
  }
}

std::string_view Buffer::frontSlice() const {
  for (const auto& s : slices_) {
    if (s.end > s.start) return {s.mem + s.start, s.end - s.start};
  }
  return {};
}

int Buffer::fillIovecs(uv_buf_t* bufs, int max_bufs) const {
  int n = 0;
  for (const auto& s : slices_) {
    if (n == max_bufs) break;
    if (s.end == s.start) continue;
    bufs[n++] = uv_buf_init(s.mem + s.start, static_cast<unsigned>(s.end - s.start));
  }
  return n;
}

uv_buf_t Buffer::reserveForRead() {
  // A nearly full tail would turn one read into several tiny ones.
  if (!slices_.empty() && freeSpace(slices_.back()) < kSliceSize / 4) {
    slices_.push_back(Slice{allocateSlice(), 0, 0});
  }
  Slice& tail = tailWithSpace();
  return uv_buf_init(tail.mem + tail.end, static_cast<unsigned>(freeSpace(tail)));
}

void Buffer::commit(size_t size) {
  Slice& tail = slices_.back();
  tail.end += size;
  length_ += size;
}

}  // namespace meshproxy
