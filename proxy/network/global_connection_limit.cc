#include "proxy/network/global_connection_limit.h"

#include <atomic>
#include <limits>

namespace meshproxy::network {
namespace {
// Shared by every worker's accept: one atomic add per connection (not per request), which the
// limit needs to be exact across workers.
std::atomic<uint64_t> g_count{0};
std::atomic<uint64_t> g_limit{std::numeric_limits<uint64_t>::max()};
}  // namespace

void setGlobalConnectionLimit(uint64_t max_connections) {
  g_limit.store(max_connections, std::memory_order_relaxed);
}

bool tryAcquireGlobalConnection() {
  // Add first, then check: two workers racing for the last slot cannot both get it.
  uint64_t before = g_count.fetch_add(1, std::memory_order_relaxed);
  if (before < g_limit.load(std::memory_order_relaxed)) return true;
  g_count.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

void releaseGlobalConnection() { g_count.fetch_sub(1, std::memory_order_relaxed); }

uint64_t globalConnectionCount() { return g_count.load(std::memory_order_relaxed); }
uint64_t globalConnectionLimit() { return g_limit.load(std::memory_order_relaxed); }

}  // namespace meshproxy::network
