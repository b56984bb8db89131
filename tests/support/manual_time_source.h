#pragma once

#include <chrono>

#include "proxy/core/time_source.h"

namespace meshproxy::test {

// A clock that moves only when the test says so. Both clocks advance together.
class ManualTimeSource final : public TimeSource {
 public:
  ManualTimeSource() : system_(std::chrono::sys_days{std::chrono::year{2024} / 1 / 1}) {}

  MonotonicTime monotonicTime() const override { return monotonic_; }
  SystemTime systemTime() const override { return system_; }

  template <typename Rep, typename Period>
  void advance(std::chrono::duration<Rep, Period> d) {
    monotonic_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
    system_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
  }
  void setSystemTime(SystemTime t) { system_ = t; }

 private:
  MonotonicTime monotonic_{std::chrono::hours(1)};
  SystemTime system_;
};

}  // namespace meshproxy::test
