#pragma once

#include <chrono>
#include <cstddef>

#include "proxy/accesslog/access_log_manager.h"

namespace meshproxy::accesslog::testing {

// Manager options for tests: a flush interval and, optionally, a flush threshold.
inline AccessLogManagerOptions flushEvery(std::chrono::milliseconds interval,
                                          size_t flush_bytes = SinkLimits{}.flush_bytes) {
  AccessLogManagerOptions options;
  options.flush_interval = interval;
  options.sink_limits.flush_bytes = flush_bytes;
  return options;
}

}  // namespace meshproxy::accesslog::testing
