#include "proxy/accesslog/start_time_format.h"

#include <fmt/format.h>
#include <time.h>

#include <cstdint>
#include <iterator>

namespace meshproxy::accesslog {
namespace {

// Longer formats are rejected so one strftime call always fits the stack buffer below: the
// longest C-locale expansion is %c at 24 characters for 2 characters of format.
constexpr size_t kMaxFormatLength = 128;
constexpr size_t kStrftimeBuffer = 2048;

void appendPadded(uint64_t value, int digits, std::string& out) {
  char buf[20];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buf, digits);
}

uint64_t scaleNanos(uint64_t nanos, int digits) {
  for (int i = digits; i < 9; ++i) nanos /= 10;
  return nanos;
}

}  // namespace

absl::StatusOr<StartTimeFormat> StartTimeFormat::create(std::string_view format) {
  if (format.empty()) format = kDefault;
  if (format.size() > kMaxFormatLength) {
    return absl::InvalidArgumentError(
        fmt::format("START_TIME format longer than {} characters", kMaxFormatLength));
  }
  StartTimeFormat result;
  std::string pending;  // strftime text gathered since the last special specifier
  auto flush_pending = [&] {
    if (pending.empty()) return;
    result.segments_.push_back({Segment::Kind::kStrftime, std::move(pending), 0});
    pending.clear();
  };
  auto add_special = [&](Segment::Kind kind, int digits) {
    flush_pending();
    result.segments_.push_back({kind, {}, digits});
  };

  for (size_t i = 0; i < format.size(); ++i) {
    const char c = format[i];
    if (c == '\n') {
      // A newline would split one log record into two lines; Envoy rejects it too.
      return absl::InvalidArgumentError("START_TIME format must not contain a newline");
    }
    if (c != '%' || i + 1 == format.size()) {
      pending += c;
      continue;
    }
    const std::string_view rest = format.substr(i + 1);
    if (rest[0] == 'f') {
      add_special(Segment::Kind::kFraction, 9);
      i += 1;
    } else if (rest.size() >= 2 && rest[0] >= '1' && rest[0] <= '9' && rest[1] == 'f') {
      add_special(Segment::Kind::kFraction, rest[0] - '0');
      i += 2;
    } else if (rest.size() >= 3 && rest[0] == 'E' && rest[1] >= '1' && rest[1] <= '9' &&
               rest[2] == 'S') {
      add_special(Segment::Kind::kSecondsWithFraction, rest[1] - '0');
      i += 3;
    } else if (rest[0] == 's') {
      // strftime's %s would go through mktime() and the local time zone; we print UTC.
      add_special(Segment::Kind::kEpochSeconds, 0);
      i += 1;
    } else {
      // Everything else, "%%" included, is strftime's business. Copy the pair so a "%%" is not
      // mistaken for the start of a specifier on the next turn.
      pending += c;
      pending += rest[0];
      i += 1;
    }
  }
  flush_pending();
  return result;
}

void StartTimeFormat::append(std::chrono::system_clock::time_point time, std::string& out) const {
  const auto since_epoch =
      std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch());
  // Floor division, so times before 1970 still get a fraction in [0, 1s).
  int64_t seconds = since_epoch.count() / 1'000'000'000;
  int64_t nanos = since_epoch.count() % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  const time_t t = static_cast<time_t>(seconds);
  struct tm tm;
  gmtime_r(&t, &tm);

  for (const Segment& segment : segments_) {
    switch (segment.kind) {
      case Segment::Kind::kStrftime: {
        char buf[kStrftimeBuffer];
        const size_t n = strftime(buf, sizeof(buf), segment.pattern.c_str(), &tm);
        out.append(buf, n);
        break;
      }
      case Segment::Kind::kFraction:
        appendPadded(scaleNanos(static_cast<uint64_t>(nanos), segment.digits), segment.digits, out);
        break;
      case Segment::Kind::kSecondsWithFraction:
        appendPadded(static_cast<uint64_t>(tm.tm_sec), 2, out);
        out += '.';
        appendPadded(scaleNanos(static_cast<uint64_t>(nanos), segment.digits), segment.digits, out);
        break;
      case Segment::Kind::kEpochSeconds:
        fmt::format_to(std::back_inserter(out), "{}", seconds);
        break;
    }
  }
}

}  // namespace meshproxy::accesslog
