#pragma once

#include <atomic>
#include <cstdint>

namespace meshproxy::overload {

// The overload manager's actions that the data path obeys, as one process-wide bit set. The
// main thread's overload manager writes it when a resource monitor's pressure crosses a
// trigger (every refresh_interval, a store only when something changed); workers read it once
// per new connection or request: a relaxed load of a line that is almost never written, so it
// stays in every core's cache.
enum Action : uint32_t {
  kStopAcceptingRequests =
      1u << 0,  // new requests get 503 (envoy.overload_actions.stop_accepting_requests)
  kStopAcceptingConnections = 1u << 1,  // new connections are closed at accept
  kDisableHttpKeepalive = 1u << 2,      // each response ends its connection
};

namespace detail {
inline std::atomic<uint32_t> g_active_actions{0};
}  // namespace detail

inline bool isActive(Action action) {
  return (detail::g_active_actions.load(std::memory_order_relaxed) & action) != 0;
}

// Main thread (and tests).
inline void setActiveActions(uint32_t actions) {
  detail::g_active_actions.store(actions, std::memory_order_relaxed);
}

}  // namespace meshproxy::overload
