#include "tests/support/proc_stats.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace meshproxy::testing {
namespace {

// Reads a "Key:   1234 kB" line from /proc/<pid>/status.
int64_t statusFieldKb(pid_t pid, absl::string_view key) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, key) || !absl::ConsumePrefix(&rest, ":")) continue;
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, "kB");
    int64_t value = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &value)) return value;
    return -1;
  }
  return -1;
}

}  // namespace

int64_t rssKb(pid_t pid) { return statusFieldKb(pid, "VmRSS"); }

int64_t peakRssKb(pid_t pid) { return statusFieldKb(pid, "VmHWM"); }

int64_t cpuTimeMs(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(in, line)) return -1;
  // Fields after the command name, which is in parentheses and may contain spaces.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(line).substr(close + 2), ' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  int64_t utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return -1;
  }
  return (utime + stime) * 1000 / sysconf(_SC_CLK_TCK);
}

int64_t openFdCount(pid_t pid) {
  std::error_code ec;
  int64_t count = 0;
  for (std::filesystem::directory_iterator it(absl::StrCat("/proc/", pid, "/fd"), ec), end;
       !ec && it != end; it.increment(ec)) {
    ++count;
  }
  return ec ? -1 : count;
}

}  // namespace meshproxy::testing
