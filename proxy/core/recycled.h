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

}  // namespace meshproxy
