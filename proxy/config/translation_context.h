#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/stats/store.h"

namespace meshproxy::config {

// What a listener's filters refer to by name: xDS must deliver these before the listener is
// usable (RDS) and must not remove them while it is in use (clusters).
struct ListenerDependencies {
  std::vector<std::string> rds_route_configs;
  std::vector<std::string> clusters;
};

// What translators need besides the proto itself. Lives on the main thread.
struct TranslationContext {
  stats::Store& stats;
  // Number of workers, for per-worker stats.
  uint32_t concurrency = 1;
  // Set while translating a listener: filters record what they depend on.
  ListenerDependencies* dependencies = nullptr;
};

}  // namespace meshproxy::config
