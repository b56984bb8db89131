#pragma once

#include <cstdint>

#include "proxy/stats/store.h"

namespace meshproxy::config {

// What translators need besides the proto itself. Lives on the main thread.
struct TranslationContext {
  stats::Store& stats;
  // Number of workers, for per-worker stats.
  uint32_t concurrency = 1;
};

}  // namespace meshproxy::config
