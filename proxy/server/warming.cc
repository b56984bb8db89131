#include "proxy/server/warming.h"

#include <algorithm>
#include <optional>

#include "proxy/core/timer.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/tls/secret_manager.h"

namespace meshproxy::server {

namespace {
class LoopWarmTimer : public WarmTimer {
 public:
  LoopWarmTimer(uv_loop_t* loop, std::chrono::milliseconds timeout, std::function<void()> cb)
      : timer_(loop, std::move(cb)) {
    if (timeout != kNoFetchTimeout) timer_.enable(timeout);
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

namespace {
// A source's initial_fetch_timeout as a wait: 0s is "no timeout" in Envoy.
std::chrono::milliseconds asWait(std::chrono::milliseconds timeout) {
  return timeout.count() == 0 ? kNoFetchTimeout : timeout;
}
}  // namespace

std::chrono::milliseconds warmTimeout(const Dependencies& dependencies,
                                      const tls::SecretManager* secrets) {
  std::optional<std::chrono::milliseconds> timeout;
  auto wait = [&timeout](std::chrono::milliseconds t) {
    timeout = timeout ? std::max(*timeout, asWait(t)) : asWait(t);
  };
  if (dependencies.fetch_timeout) wait(*dependencies.fetch_timeout);
  for (const auto& name : dependencies.secrets) {
    if (secrets != nullptr) wait(secrets->initialFetchTimeout(name));
  }
  return timeout.value_or(std::chrono::milliseconds(15000));
}

std::chrono::milliseconds initialFetchTimeout(
    std::initializer_list<const envoy::config::core::v3::ConfigSource*> sources) {
  std::chrono::milliseconds timeout{15000};
  for (const auto* source : sources) {
    if (!source->has_initial_fetch_timeout()) continue;
    timeout = std::max(timeout, asWait(protobuf::toMilliseconds(source->initial_fetch_timeout())));
  }
  return timeout;
}

}  // namespace meshproxy::server
