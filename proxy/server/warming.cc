#include "proxy/server/warming.h"

#include <algorithm>

#include "proxy/core/timer.h"
#include "proxy/tls/secret_manager.h"

namespace meshproxy::server {

namespace {
class LoopWarmTimer : public WarmTimer {
 public:
  LoopWarmTimer(uv_loop_t* loop, std::chrono::milliseconds timeout, std::function<void()> cb)
      : timer_(loop, std::move(cb)) {
    timer_.enable(timeout);
  }

 private:
  Timer timer_;  // safe to destroy from inside its own callback
};
}  // namespace

WarmTimerFactory loopWarmTimers(uv_loop_t* loop) {
  return [loop](std::chrono::milliseconds timeout, std::function<void()> on_timeout) {
    return std::make_unique<LoopWarmTimer>(loop, timeout, std::move(on_timeout));
  };
}

std::chrono::milliseconds warmTimeout(const Dependencies& dependencies,
                                      const tls::SecretManager* secrets) {
  std::chrono::milliseconds timeout =
      dependencies.fetch_timeout.value_or(std::chrono::milliseconds(0));
  for (const auto& name : dependencies.secrets) {
    if (secrets != nullptr) timeout = std::max(timeout, secrets->initialFetchTimeout(name));
  }
  return timeout.count() > 0 ? timeout : std::chrono::milliseconds(15000);
}

}  // namespace meshproxy::server
