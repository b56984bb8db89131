#include "proxy/core/log.h"

#include "proxy/core/json.h"
#include "proxy/core/log_format.h"
#include "absl/status/statusor.h"

#include <fmt/ranges.h>

#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <string>
#include <vector>

namespace meshproxy::log {
namespace detail {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
}  // namespace detail

namespace {
std::atomic<Format> g_format{Format::kText};
thread_local std::string t_thread_name = "main";

constexpr std::string_view kLevelNames[] = {"trace", "debug", "info", "warning", "error", "critical", "off"};

// A parsed text pattern: literal runs and flags ('\0' marks a literal).
struct PatternPart {
  char flag = '\0';
  std::string literal;
};
using Pattern = std::vector<PatternPart>;
// Set once at startup (before workers log); the old one is leaked so a racing reader never
// sees it freed.
std::atomic<const Pattern*> g_pattern{nullptr};

constexpr std::string_view kKnownFlags = "YmdHMSTDFefzlLnv_jtPgs#!@";

absl::StatusOr<Pattern> parsePattern(std::string_view text) {
  Pattern pattern;
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      literal.push_back(text[i]);
      continue;
    }
    if (i + 1 == text.size()) return absl::InvalidArgumentError("the pattern ends in a lone '%'");
    char flag = text[++i];
    if (flag == '%') {
      literal.push_back('%');
      continue;
    }
    if (kKnownFlags.find(flag) == std::string_view::npos) {
      return absl::InvalidArgumentError(
          fmt::format("unsupported log format flag '%{}' (meshproxy knows %{})", flag,
                      fmt::join(kKnownFlags, " %")));
    }
    if (!literal.empty()) pattern.push_back({'\0', std::move(literal)});
    literal.clear();
    pattern.push_back({flag, ""});
  }
  if (!literal.empty()) pattern.push_back({'\0', std::move(literal)});
  return pattern;
}

void appendTwo(std::string& out, int v) { fmt::format_to(std::back_inserter(out), "{:02}", v); }

void appendPattern(const Pattern& pattern, std::string_view level_name, std::string_view message,
                   std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  for (const auto& part : pattern) {
    switch (part.flag) {
      case '\0': out += part.literal; break;
      case 'Y': fmt::format_to(std::back_inserter(out), "{:04}", tm.tm_year + 1900); break;
      case 'm': appendTwo(out, tm.tm_mon + 1); break;
      case 'd': appendTwo(out, tm.tm_mday); break;
      case 'H': appendTwo(out, tm.tm_hour); break;
      case 'M': appendTwo(out, tm.tm_min); break;
      case 'S': appendTwo(out, tm.tm_sec); break;
      case 'T':
        fmt::format_to(std::back_inserter(out), "{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min,
                       tm.tm_sec);
        break;
      case 'D':
        fmt::format_to(std::back_inserter(out), "{:02}/{:02}/{:02}", tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_year % 100);
        break;
      case 'e': fmt::format_to(std::back_inserter(out), "{:03}", nanos / 1000000); break;
      case 'f': fmt::format_to(std::back_inserter(out), "{:06}", nanos / 1000); break;
      case 'F': fmt::format_to(std::back_inserter(out), "{:09}", nanos); break;
      case 'z': out += "+00:00"; break;  // times are UTC
      case 'l': out += level_name; break;
      case 'L': out.push_back(static_cast<char>(level_name[0] - 'a' + 'A')); break;
      case 'n': out += "meshproxy"; break;
      case 'v': out += message; break;
      case '_':  // Envoy's: the message with control characters escaped
      case 'j': {  // Envoy's: the message JSON-escaped, without quotes
        std::string quoted;
        appendJsonString(quoted, message);
        out.append(quoted, 1, quoted.size() - 2);
        break;
      }
      case 't': fmt::format_to(std::back_inserter(out), "{}", static_cast<long>(::syscall(SYS_gettid))); break;
      case 'P': fmt::format_to(std::back_inserter(out), "{}", static_cast<long>(::getpid())); break;
      default: break;  // source locations: meshproxy's lines have none
    }
  }
}

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

absl::Status checkTextPattern(std::string_view pattern) { return parsePattern(pattern).status(); }

absl::Status setTextPattern(std::string_view text) {
  auto pattern = parsePattern(text);
  if (!pattern.ok()) return pattern.status();
  g_pattern.store(new Pattern(std::move(*pattern)));
  return absl::OkStatus();
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
  } else if (const Pattern* pattern = g_pattern.load(std::memory_order_acquire)) {
    appendPattern(*pattern, level_name, message, line);
    line += '\n';
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
