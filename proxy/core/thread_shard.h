#pragma once

#include <cstdint>

namespace meshproxy {

// A small process-wide number per thread, so per-thread storage (stats cells, access log lanes)
// is an array index rather than a lookup. Shard 0 is shared by every thread that did not claim
// one (main, admin, gRPC, flush and test threads): storage in shard 0 must be safe for several
// writers (atomic read-modify-write, or a lock). A claimed shard in [1, kMaxThreadShards) belongs
// to one thread until it is released, so storage in it has exactly one writer and needs no
// read-modify-write atomics.
//
// Worker threads claim one for their whole life (server/worker.cc). Indices are handed out
// lowest first, so with N workers they are 1..N and per-thread arrays can be sized N + 1.
inline constexpr uint32_t kMaxThreadShards = 128;

namespace detail {
// initial-exec: the library is linked into executables only, so reading the shard is one
// %fs-relative load, with no __tls_get_addr call and (constinit) no TLS init wrapper.
extern constinit thread_local uint32_t t_thread_shard __attribute__((tls_model("initial-exec")));
}  // namespace detail

// The calling thread's shard: 0 unless it holds a ThreadShardClaim.
inline uint32_t threadShard() { return detail::t_thread_shard; }

// Claims the lowest free shard for the calling thread for the claim's lifetime; create and
// destroy it on the same thread (typically a local at the top of the thread's function). When
// every shard is taken, or the thread already holds one, the claim gets nothing and the thread
// keeps its shard (0 if none).
class ThreadShardClaim {
 public:
  ThreadShardClaim();
  ~ThreadShardClaim();
  ThreadShardClaim(const ThreadShardClaim&) = delete;
  ThreadShardClaim& operator=(const ThreadShardClaim&) = delete;

  // The shard this claim took; 0 when it took none.
  uint32_t index() const { return index_; }

 private:
  uint32_t index_ = 0;
};

}  // namespace meshproxy
