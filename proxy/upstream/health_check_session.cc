#include "proxy/upstream/health_check_session.h"

#include "proxy/core/log.h"
#include "proxy/upstream/health_checker.h"

namespace meshproxy::upstream {

HealthCheckSession::HealthCheckSession(HealthChecker& parent, HostSharedPtr host)
    : parent_(parent), host_(std::move(host)), state_(parent.config(), *host_) {
  interval_timer_ = std::make_unique<Timer>(parent_.loop().uv(), [this] { onIntervalBase(); });
  timeout_timer_ = std::make_unique<Timer>(parent_.loop().uv(), [this] { onTimeoutBase(); });
}

HealthCheckSession::~HealthCheckSession() = default;

void HealthCheckSession::start() {
  auto delay = state_.initialDelay(parent_.random());
  if (delay.count() == 0) {
    onIntervalBase();
  } else {
    interval_timer_->enable(delay);
  }
}

void HealthCheckSession::onIntervalBase() {
  parent_.stats().attempt.inc();
  timeout_timer_->enable(parent_.config().timeout);
  onInterval();
}

void HealthCheckSession::onTimeoutBase() {
  onTimeout();
  handleFailure(HealthCheckFailureType::kNetworkTimeout);
}

void HealthCheckSession::handleSuccess(bool degraded) {
  timeout_timer_->disable();
  bool first = state_.firstCheck();
  HealthTransition transition = state_.onSuccess();
  parent_.stats().success.inc();
  degraded_ = degraded;
  if (HealthCheckEventLogger* logger = parent_.eventLogger(); logger != nullptr) {
    if (transition == HealthTransition::kChanged) logger->logAddHealthy(*host_, first);
    if (parent_.config().always_log_health_check_success) logger->logSuccessful(*host_);
  }
  if (transition == HealthTransition::kChanged) {
    log::info("cluster {}: health check: {} is healthy", parent_.cluster().name,
              host_->address().str());
    parent_.onHostHealthChanged();
  }
  parent_.updateGauges();
  interval_timer_->enable(
      state_.nextInterval(true, transition, parent_.clusterHadTraffic(), parent_.random()));
}

void HealthCheckSession::handleFailure(HealthCheckFailureType type, bool retriable) {
  timeout_timer_->disable();
  bool first = state_.firstCheck();
  HealthTransition transition = state_.onFailure(type, retriable);
  const HealthCheckStats& stats = parent_.stats();
  stats.failure.inc();
  degraded_ = false;
  if (type == HealthCheckFailureType::kNetwork || type == HealthCheckFailureType::kNetworkTimeout) {
    stats.network_failure.inc();
  } else if (type == HealthCheckFailureType::kPassive) {
    stats.passive_failure.inc();
  }
  if (HealthCheckEventLogger* logger = parent_.eventLogger(); logger != nullptr) {
    if (transition == HealthTransition::kChanged) logger->logEjectUnhealthy(*host_, type);
    // Envoy: a failure is logged on the first check, or always with
    // always_log_health_check_failures.
    if (first || parent_.config().always_log_health_check_failures) {
      logger->logUnhealthy(*host_, type, first);
    }
  }
  if (transition == HealthTransition::kChanged) {
    log::info("cluster {}: health check: {} is unhealthy ({})", parent_.cluster().name,
              host_->address().str(), toString(type));
    parent_.onHostHealthChanged();
  }
  parent_.updateGauges();
  interval_timer_->enable(
      state_.nextInterval(false, transition, parent_.clusterHadTraffic(), parent_.random()));
}

}  // namespace meshproxy::upstream
