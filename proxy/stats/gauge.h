#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

#include "proxy/stats/stat_name.h"

namespace meshproxy::stats {

// A level that goes up and down (active connections, pending requests). Signed so that a
// transient dec-before-inc across workers shows as -1 instead of wrapping to 2^64-1.
//
// Unlike Counter, one relaxed atomic shared by every thread, on a cache line of its own (so a
// gauge's writes do not evict the read-only stats objects next to it). A gauge is a level, not a
// total: set() must replace the value everywhere at once, and levels are what limits are checked
// against (circuit breakers, overload actions), which want one exact value read in O(1) rather
// than a sum over workers. The gauges touched per request (downstream_rq_active,
// upstream_rq_active) are the remaining shared atomics of a request; the per-cluster resource
// counters that circuit breaking needs will be shared atomics for the same reason.
class Gauge {
 public:
  explicit Gauge(StatName name) : name_(std::move(name)) {}
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void inc() { add(1); }
  void dec() { sub(1); }
  void add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void sub(int64_t n) { value_.fetch_sub(n, std::memory_order_relaxed); }
  void set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

  const StatName& name() const { return name_; }

 private:
  const StatName name_;
  alignas(64) std::atomic<int64_t> value_{0};
};

}  // namespace meshproxy::stats
