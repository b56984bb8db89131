#include "proxy/core/thread_shard.h"

#include <bitset>
#include <mutex>

namespace meshproxy {
namespace detail {
constinit thread_local uint32_t t_thread_shard = 0;
}  // namespace detail

namespace {

// Claims happen once per thread start and end, so a mutex is fine. Releasing under the same
// mutex also orders the old owner's last writes to its shard before the next owner's first.
struct Registry {
  std::mutex mutex;
  std::bitset<kMaxThreadShards> taken;  // bit 0 is never taken
};

Registry& registry() {
  static auto* r = new Registry();  // never destroyed: threads may release during exit
  return *r;
}

}  // namespace

ThreadShardClaim::ThreadShardClaim() {
  if (detail::t_thread_shard != 0) return;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (uint32_t i = 1; i < kMaxThreadShards; ++i) {
    if (!r.taken[i]) {
      r.taken[i] = true;
      index_ = i;
      detail::t_thread_shard = i;
      return;
    }
  }
}

ThreadShardClaim::~ThreadShardClaim() {
  if (index_ == 0) return;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.taken[index_] = false;
  detail::t_thread_shard = 0;
}

}  // namespace meshproxy
