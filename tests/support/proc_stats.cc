#include "tests/support/proc_stats.h"

#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
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

}  // namespace meshproxy::testing
