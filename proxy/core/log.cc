#include "proxy/core/log.h"

#include "proxy/core/json.h"

#include <unistd.h>

#include <chrono>
#include <string>

namespace meshproxy::log {
namespace detail {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
}  // namespace detail

namespace {
std::atomic<Format> g_format{Format::kText};
thread_local std::string t_thread_name = "main";

constexpr std::string_view kLevelNames[] = {"trace", "debug", "info", "warning", "error", "critical", "off"};

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06}Z", std::string_view(buf, n), micros);
}
}  // namespace

absl::Status setLevel(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Level::kOff); ++i) {
    if (kLevelNames[i] == name || (name == "warn" && i == static_cast<int>(Level::kWarn))) {
      setLevel(static_cast<Level>(i));
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError(fmt::format(
      "unknown log level '{}' (expected trace, debug, info, warn, error, critical, off)", name));
}

void setLevel(Level level) { detail::g_level.store(static_cast<int>(level)); }
void setFormat(Format format) { g_format.store(format); }
void setThreadName(std::string_view name) { t_thread_name = std::string(name); }

namespace detail {
// One write(2) per line: lines from different threads never interleave, and nothing is
// buffered in the process if it crashes right after.
void write(Level level, std::string_view message) {
  std::string line;
  line.reserve(message.size() + 64);
  std::string_view level_name = kLevelNames[static_cast<int>(level)];
  if (g_format.load(std::memory_order_relaxed) == Format::kJson) {
    line += "{\"time\":\"";
    line += timestamp();
    line += "\",\"level\":\"";
    line += level_name;
    line += "\",\"thread\":";
    appendJsonString(line, t_thread_name);
    line += ",\"msg\":";
    appendJsonString(line, message);
    line += "}\n";
  } else {
    line += '[';
    line += timestamp();
    line += "][";
    line += level_name;
    line += "][";
    line += t_thread_name;
    line += "] ";
    line += message;
    line += '\n';
  }
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}
}  // namespace detail

}  // namespace meshproxy::log
