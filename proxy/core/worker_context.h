#pragma once

#include <cstdint>
#include <random>

#include "proxy/core/event_loop.h"

namespace meshproxy {
namespace upstream {
class WorkerClusterManager;
}

// What code running on a worker can reach: its loop, its clusters, its random source.
// Everything here belongs to one thread.
struct WorkerContext {
  EventLoop& loop;
  uint32_t index;
  upstream::WorkerClusterManager& clusters;
  std::mt19937_64& random;
};

}  // namespace meshproxy
