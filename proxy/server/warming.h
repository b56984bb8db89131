#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>

#include "proxy/server/dependencies.h"

namespace meshproxy::tls {
class SecretManager;
}

namespace meshproxy::server {

// The deadline of one warming resource (its initial_fetch_timeout); cancelled when destroyed.
class WarmTimer {
 public:
  virtual ~WarmTimer() = default;
};

// Starts a WarmTimer that runs `on_timeout` once after `timeout`. The callback may destroy
// the timer (activating the resource does), so it must copy what it needs before that.
using WarmTimerFactory = std::function<std::unique_ptr<WarmTimer>(
    std::chrono::milliseconds timeout, std::function<void()> on_timeout)>;

// Timers on the main loop.
WarmTimerFactory loopWarmTimers(uv_loop_t* loop);

// How long a resource may warm: each thing it waits for has its own initial_fetch_timeout
// (its routes' or endpoints' config source, each SDS secret's), and it goes live when the
// last of them has arrived or timed out. 15 s when none says.
std::chrono::milliseconds warmTimeout(const Dependencies& dependencies,
                                      const tls::SecretManager* secrets);

}  // namespace meshproxy::server
