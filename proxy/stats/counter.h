#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

#include "proxy/stats/stat_name.h"

namespace meshproxy::stats {

// A monotonic count shared by every worker. Increments are relaxed atomic adds: no lock, no
// allocation, and no ordering with other memory, because readers only ever want a total.
// The hot-path methods are defined here so they inline into the worker's call site.
class Counter {
 public:
  explicit Counter(StatName name) : name_(std::move(name)) {}
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void inc() { add(1); }
  void add(uint64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  const StatName& name() const { return name_; }

 private:
  const StatName name_;
  std::atomic<uint64_t> value_{0};
};

}  // namespace meshproxy::stats
