#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace meshproxy {

// One region of a Buffer: bytes [start, end) of a fixed-size block.
struct BufferSlice {
  char* mem = nullptr;
  size_t start = 0;
  size_t end = 0;
};

// The FIFO of slices behind a Buffer: a ring that holds its first few slices in place and
// goes to the heap only beyond that. A request's buffers hold one or two slices, so creating,
// moving and destroying a Buffer allocates nothing (std::deque allocated twice per empty
// deque, and again on every move).
class SliceQueue {
 public:
  static constexpr uint32_t kInline = 4;  // a power of two, like every capacity here

  SliceQueue() = default;
  ~SliceQueue() {
    if (data_ != inline_) std::free(data_);
  }
  SliceQueue(SliceQueue&& other) noexcept { takeFrom(other); }
  SliceQueue& operator=(SliceQueue&& other) noexcept {
    if (this != &other) {
      if (data_ != inline_) std::free(data_);
      data_ = inline_;
      capacity_ = kInline;
      takeFrom(other);
    }
    return *this;
  }
  SliceQueue(const SliceQueue&) = delete;
  SliceQueue& operator=(const SliceQueue&) = delete;

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  BufferSlice& operator[](size_t i) { return data_[(head_ + i) & (capacity_ - 1)]; }
  const BufferSlice& operator[](size_t i) const { return data_[(head_ + i) & (capacity_ - 1)]; }
  BufferSlice& front() { return data_[head_]; }
  const BufferSlice& front() const { return data_[head_]; }
  BufferSlice& back() { return (*this)[size_ - 1]; }
  const BufferSlice& back() const { return (*this)[size_ - 1]; }

  // Front-to-back iteration (range-for).
  template <typename Q, typename T>
  class Iter {
   public:
    Iter(Q* q, size_t i) : q_(q), i_(i) {}
    T& operator*() const { return (*q_)[i_]; }
    Iter& operator++() {
      ++i_;
      return *this;
    }
    bool operator!=(const Iter& o) const { return i_ != o.i_; }

   private:
    Q* q_;
    size_t i_;
  };
  Iter<SliceQueue, BufferSlice> begin() { return {this, 0}; }
  Iter<SliceQueue, BufferSlice> end() { return {this, size_}; }
  Iter<const SliceQueue, const BufferSlice> begin() const { return {this, 0}; }
  Iter<const SliceQueue, const BufferSlice> end() const { return {this, size_}; }

  void push_back(BufferSlice s) {  // by value: `s` may live in this queue's storage
    if (size_ == capacity_) grow();
    (*this)[size_] = s;
    ++size_;
  }
  void pop_front() {
    head_ = (head_ + 1) & (capacity_ - 1);
    if (--size_ == 0) head_ = 0;
  }
  // Forgets the slices (the owner has released their memory); keeps the capacity.
  void clear() { head_ = size_ = 0; }

 private:
  void takeFrom(SliceQueue& other) {
    if (other.data_ != other.inline_) {
      data_ = other.data_;
      capacity_ = other.capacity_;
      head_ = other.head_;
      size_ = other.size_;
    } else {
      // Unwrapped into our inline ring.
      for (uint32_t i = 0; i < other.size_; ++i) inline_[i] = other[i];
      head_ = 0;
      size_ = other.size_;
    }
    other.data_ = other.inline_;
    other.capacity_ = kInline;
    other.head_ = other.size_ = 0;
  }

  void grow() {
    const uint32_t capacity = capacity_ * 2;
    auto* data = static_cast<BufferSlice*>(std::malloc(sizeof(BufferSlice) * capacity));
    if (data == nullptr) throw std::bad_alloc();
    for (uint32_t i = 0; i < size_; ++i) data[i] = (*this)[i];
    if (data_ != inline_) std::free(data_);
    data_ = data;
    capacity_ = capacity;
    head_ = 0;
  }

  BufferSlice inline_[kInline];
  BufferSlice* data_ = inline_;
  uint32_t capacity_ = kInline;
  uint32_t head_ = 0;
  uint32_t size_ = 0;
};

}  // namespace meshproxy
