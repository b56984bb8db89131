#pragma once

#include <cstdint>
#include <random>

#include "proxy/core/event_loop.h"

namespace meshproxy {
namespace upstream {
class WorkerClusterManager;
class AsyncHttpClient;
}
namespace http {
class WorkerRouteTables;
}
namespace network {
class ListenerIndex;
}
namespace tracing {
class SpanSinks;
}

// What code running on a worker can reach: its loop, its clusters, its random source.
// Everything here belongs to one thread.
struct WorkerContext {
  EventLoop& loop;
  uint32_t index;
  upstream::WorkerClusterManager& clusters;
  std::mt19937_64& random;
  // The RDS route tables of the worker's current snapshot (pin them to keep using them).
  http::WorkerRouteTables* routes = nullptr;
  // This worker's listeners by address (use_original_dst hand-off).
  network::ListenerIndex* listener_index = nullptr;
  // Requests out of the worker, for filters that call other services (remote JWKS,
  // ext_authz, rate limit services): upstream/async_http_client.h.
  upstream::AsyncHttpClient* http_client = nullptr;
  // Finished spans of traced requests go here (upstream/worker_span_sinks.h).
  tracing::SpanSinks* span_sinks = nullptr;
};

}  // namespace meshproxy
