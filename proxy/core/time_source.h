#pragma once

#include <chrono>

namespace meshproxy {

using MonotonicTime = std::chrono::steady_clock::time_point;
using SystemTime = std::chrono::system_clock::time_point;

// Where the policy code (token buckets, cache freshness) reads the time, so tests drive it with
// a manual clock (tests/support/manual_time_source.h) instead of sleeping. Monotonic time
// measures intervals; system time is what HTTP dates (Date, Expires) are compared with.
class TimeSource {
 public:
  virtual ~TimeSource() = default;
  virtual MonotonicTime monotonicTime() const = 0;
  virtual SystemTime systemTime() const = 0;
};

class RealTimeSource final : public TimeSource {
 public:
  MonotonicTime monotonicTime() const override { return std::chrono::steady_clock::now(); }
  SystemTime systemTime() const override { return std::chrono::system_clock::now(); }

  // Stateless: one instance serves every thread.
  static const RealTimeSource& instance() {
    static const RealTimeSource source;
    return source;
  }
};

}  // namespace meshproxy
