#pragma once

#include <memory>

#include "proxy/core/timer.h"
#include "proxy/upstream/health_check_state.h"
#include "proxy/upstream/host.h"

namespace meshproxy::upstream {

class HealthChecker;

// One host under one health check (Envoy's ActiveHealthCheckSession): the interval and timeout
// timers, the counts (HealthCheckState), stats and events. Subclasses do the I/O: onInterval()
// starts a check and reports with handleSuccess()/handleFailure(); onTimeout() abandons the
// check in flight (the base then counts a NETWORK_TIMEOUT failure). Main thread.
class HealthCheckSession {
 public:
  HealthCheckSession(HealthChecker& parent, HostSharedPtr host);
  virtual ~HealthCheckSession();
  HealthCheckSession(const HealthCheckSession&) = delete;
  HealthCheckSession& operator=(const HealthCheckSession&) = delete;

  // Schedules the first check (after initial_jitter).
  void start();
  const Host& host() const { return *host_; }
  // The last success carried x-envoy-degraded (HTTP).
  bool degraded() const { return degraded_; }

 protected:
  virtual void onInterval() = 0;
  virtual void onTimeout() = 0;
  void handleSuccess(bool degraded = false);
  void handleFailure(HealthCheckFailureType type, bool retriable = false);

  HealthChecker& parent_;
  const HostSharedPtr host_;

 private:
  void onIntervalBase();
  void onTimeoutBase();

  HealthCheckState state_;
  bool degraded_ = false;
  std::unique_ptr<Timer> interval_timer_;
  std::unique_ptr<Timer> timeout_timer_;
};

}  // namespace meshproxy::upstream
