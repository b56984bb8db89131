#include "tests/unit/support/allocation_counter.h"

#include <cstdlib>
#include <new>

namespace {
thread_local bool t_counting = false;
thread_local size_t t_allocations = 0;
}  // namespace

// Replaces the global allocation functions of the unit test binary; every other form
// (array, nothrow, sized delete) forwards to these by the standard library's defaults.
void* operator new(std::size_t size) {
  if (t_counting) ++t_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace meshproxy::testing {

ScopedAllocationCounter::ScopedAllocationCounter() {
  t_allocations = 0;
  t_counting = true;
}
ScopedAllocationCounter::~ScopedAllocationCounter() { t_counting = false; }
size_t ScopedAllocationCounter::count() const { return t_allocations; }

}  // namespace meshproxy::testing
