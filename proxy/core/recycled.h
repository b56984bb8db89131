#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace meshproxy {

// Per-thread free lists of fixed-size blocks, for objects the data path creates and destroys
// once per request (streams, header maps, filter wrappers). A worker serves a steady stream
// of requests, so after warm-up their memory comes from here instead of malloc. Blocks are
// plain ::operator new memory: one freed on another thread than it was allocated on simply
// joins that thread's list.
template <size_t kSize, size_t kMaxCached = 1024>
class BlockRecycler {
 public:
  static void* allocate() {
    if (!t_dead) {
      auto& free = cache().free;
      if (!free.empty()) {
        void* p = free.back();
        free.pop_back();
        return p;
      }
    }
    return ::operator new(kSize);
  }

  static void release(void* p) {
    if (!t_dead) {
      auto& free = cache().free;
      if (free.size() < kMaxCached) {
        free.push_back(p);
        return;
      }
    }
    ::operator delete(p);
  }

 private:
  struct Cache {
    std::vector<void*> free;
    ~Cache() {
      // Objects destroyed after this (thread exit) go straight back to the heap.
      t_dead = true;
      for (void* p : free) ::operator delete(p);
    }
  };
  static Cache& cache() {
    thread_local Cache c;
    return c;
  }
  static inline thread_local bool t_dead = false;
};

// Base giving T a class-specific operator new/delete backed by BlockRecycler. Classes
// derived from T (tests' subclasses) have another size and use the heap as usual.
template <typename T>
class Recycled {
 public:
  static void* operator new(size_t size) {
    if (size == sizeof(T)) return BlockRecycler<sizeof(T)>::allocate();
    return ::operator new(size);
  }
  static void operator delete(void* p, size_t size) {
    if (p == nullptr) return;
    if (size == sizeof(T)) {
      BlockRecycler<sizeof(T)>::release(p);
      return;
    }
    ::operator delete(p);
  }
};

// Allocator for std::allocate_shared of per-request objects (filters): the object and its
// control block come from BlockRecycler as one block.
template <typename T>
class RecyclingAllocator {
 public:
  using value_type = T;
  RecyclingAllocator() = default;
  template <typename U>
  RecyclingAllocator(const RecyclingAllocator<U>&) {}  // NOLINT: rebinding is implicit
  T* allocate(size_t n) {
    if (n == 1) return static_cast<T*>(BlockRecycler<sizeof(T)>::allocate());
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) {
    if (n == 1) {
      BlockRecycler<sizeof(T)>::release(p);
      return;
    }
    ::operator delete(p);
  }
  template <typename U>
  bool operator==(const RecyclingAllocator<U>&) const {
    return true;
  }
};

}  // namespace meshproxy
