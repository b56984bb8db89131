// Memory, CPU and descriptor usage of a process, read from /proc/<pid> (Linux).
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace meshproxy::testing {

// Resident set size (VmRSS) in KiB, or -1 if it cannot be read.
int64_t rssKb(pid_t pid);

// Peak resident set size (VmHWM) in KiB, or -1 if it cannot be read.
int64_t peakRssKb(pid_t pid);

// User + system CPU time consumed so far (all threads), in milliseconds; -1 if unreadable.
int64_t cpuTimeMs(pid_t pid);

// Open file descriptors (entries of /proc/<pid>/fd); -1 if unreadable.
int64_t openFdCount(pid_t pid);

}  // namespace meshproxy::testing
