#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace meshproxy::accesslog {

// The time format of %START_TIME(...)%, compiled once at config time.
//
// Accepts strftime specifiers (rendered in UTC, like Envoy) plus Envoy's extras:
//   %f / %1f..%9f  fractional seconds, 9 digits when no count is given
//   %E1S..%E9S     seconds with that many fractional digits ("05.123" for %E3S)
//   %s             seconds since the epoch
// Parsing the specifiers out once means a log line costs one gmtime_r and a strftime per
// literal run, never a scan of the format.
class StartTimeFormat {
 public:
  // Envoy's default: "%Y-%m-%dT%H:%M:%E3SZ", e.g. 2024-01-02T03:04:05.678Z.
  static constexpr std::string_view kDefault = "%Y-%m-%dT%H:%M:%E3SZ";

  // An empty format means kDefault.
  static absl::StatusOr<StartTimeFormat> create(std::string_view format);

  void append(std::chrono::system_clock::time_point time, std::string& out) const;

 private:
  struct Segment {
    enum class Kind { kStrftime, kFraction, kSecondsWithFraction, kEpochSeconds };
    Kind kind = Kind::kStrftime;
    std::string pattern;  // kStrftime only: a strftime pattern free of the extras above
    int digits = 0;       // kFraction / kSecondsWithFraction
  };

  std::vector<Segment> segments_;
};

}  // namespace meshproxy::accesslog
