#pragma once

#include <cstddef>

// Counts heap allocations made through the global operator new on the calling thread while a
// ScopedAllocationCounter is alive, for tests that prove a hot path allocates nothing. The
// replacement operator new lives in allocation_counter.cc, its own translation unit, so the
// compiler never sees it inlined next to a std::allocator call.
namespace meshproxy::testing {

class ScopedAllocationCounter {
 public:
  ScopedAllocationCounter();
  ~ScopedAllocationCounter();
  ScopedAllocationCounter(const ScopedAllocationCounter&) = delete;
  ScopedAllocationCounter& operator=(const ScopedAllocationCounter&) = delete;

  // Allocations on this thread since construction.
  size_t count() const;
};

}  // namespace meshproxy::testing
