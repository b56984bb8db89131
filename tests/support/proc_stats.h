// Memory usage of a process, read from /proc/<pid>/status (Linux).
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace meshproxy::testing {

// Resident set size (VmRSS) in KiB, or -1 if it cannot be read.
int64_t rssKb(pid_t pid);

// Peak resident set size (VmHWM) in KiB, or -1 if it cannot be read.
int64_t peakRssKb(pid_t pid);

}  // namespace meshproxy::testing
