#pragma once

#include <fmt/format.h>

#include <atomic>
#include <string_view>

#include "absl/status/status.h"
#include "proxy/core/strings.h"

namespace meshproxy::log {

enum class Level : int { kTrace = 0, kDebug, kInfo, kWarn, kError, kCritical, kOff };
enum class Format { kText, kJson };

absl::Status setLevel(std::string_view name);
void setLevel(Level level);
void setFormat(Format format);
// Names the calling thread in log lines ("main", "worker_0", ...).
void setThreadName(std::string_view name);

namespace detail {
extern std::atomic<int> g_level;
void write(Level level, std::string_view message);
}  // namespace detail

inline bool enabled(Level level) {
  return static_cast<int>(level) >= detail::g_level.load(std::memory_order_relaxed);
}

// Formatting happens only when the level is on, so a disabled debug line costs one load.
template <typename... Args>
void emit(Level level, fmt::format_string<Args...> format, Args&&... args) {
  if (!enabled(level)) return;
  detail::write(level, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void trace(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kTrace, f, std::forward<Args>(a)...); }
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kDebug, f, std::forward<Args>(a)...); }
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kInfo, f, std::forward<Args>(a)...); }
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kWarn, f, std::forward<Args>(a)...); }
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kError, f, std::forward<Args>(a)...); }
template <typename... Args>
void critical(fmt::format_string<Args...> f, Args&&... a) { emit(Level::kCritical, f, std::forward<Args>(a)...); }

}  // namespace meshproxy::log
