// The router's retries, hedges and final errors: what RouterFilter does once an attempt has
// failed or answered with a retriable response (RetryState decides, this acts).
#include <charconv>
#include <chrono>

#include "proxy/accesslog/stream_info.h"
#include "proxy/core/log.h"
#include "proxy/core/worker_context.h"
#include "proxy/filters/http/router/router_filter.h"
#include "proxy/route/route.h"

namespace meshproxy::filters::router {

using accesslog::ResponseFlag;

namespace {
constexpr std::string_view kConnectFailureBody =
    "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
constexpr std::string_view kResetBody =
    "upstream connect error or disconnect/reset before headers. reset reason: connection "
    "termination";
constexpr std::string_view kOverflowBody =
    "upstream connect error or disconnect/reset before headers. reset reason: overflow";

int64_t unixNowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

void RouterFilter::onAttemptFailed(UpstreamRequest& attempt, AttemptFailure failure,
                                   FinalError error, bool keepalive_race) {
  const auto& retry_stats = *cluster_->config().retry_stats;
  // The keep-alive race, whatever the policy: once, on a fresh connection. The pool's other
  // idle connections idled as long as this one and go too.
  if (keepalive_race && !keepalive_race_retried_ && retained_.retriable() &&
      !otherAttemptsPending(attempt)) {
    keepalive_race_retried_ = true;
    retry_stats.upstream_rq_retry_keepalive_race.inc();
    log::debug("router: upstream {} closed a reused connection before answering; sending again",
               attempt.host().address().str());
    // Next loop iteration: the pool is still handling the close that brought us here.
    stale_pool_ = cluster_->httpPool(attempt.workerHost(), pool_key_);
    scheduleRetry(std::chrono::milliseconds(0));
    return;
  }
  if (retry_state_.has_value() &&
      retry_state_->wouldRetryFromFailure(failure, attempt.requestStarted()) &&
      maybeRetry(attempt, nullptr, /*reset_attempt=*/true)) {
    return;
  }
  if (otherAttemptsPending(attempt)) return;  // a hedged attempt may still answer
  failFinally(error);
}

bool RouterFilter::otherAttemptsPending(const UpstreamRequest& except) const {
  if (retry_scheduled_) return true;
  for (const auto& attempt : upstream_requests_) {
    if (attempt.get() != &except && attempt->live() && !attempt->responseStarted()) return true;
  }
  return false;
}

bool RouterFilter::maybeRetry(UpstreamRequest& attempt, const http::HeaderMap* response,
                              bool reset_attempt) {
  const auto& retry_stats = *cluster_->config().retry_stats;
  // This attempt's outcome is known: a retry it was frees its place in the limit.
  releaseRetry();
  if (retry_scheduled_) return false;  // one is on its way already (hedging)
  if (!retained_.retriable()) {
    // The request body outgrew the buffer limit: it cannot be sent again.
    retry_stats.retry_or_shadow_abandoned.inc();
    return false;
  }
  if (!retry_state_->consume()) {
    retry_stats.upstream_rq_retry_limit_exceeded.inc();
    callbacks_->streamInfo().setResponseFlag(ResponseFlag::kUpstreamRetryLimitExceeded);
    return false;
  }
  // circuit_breakers max_retries / retry_budget (counts upstream_rq_retry_overflow).
  if (!cluster_->config().tryStartRetry(pool_key_.priority)) return false;
  holds_retry_ = true;
  ++policy_retries_;
  retry_stats.upstream_rq_retry.inc();
  bool rate_limited = false;
  auto delay = retry_state_->backOff(response, callbacks_->worker().random(), unixNowSeconds(),
                                     &rate_limited);
  (rate_limited ? retry_stats.upstream_rq_retry_backoff_ratelimited
                : retry_stats.upstream_rq_retry_backoff_exponential)
      .inc();
  if (reset_attempt) attempt.resetStream();
  scheduleRetry(delay);
  return true;
}

void RouterFilter::scheduleRetry(std::chrono::milliseconds delay) {
  retry_scheduled_ = true;
  if (retry_timer_ == nullptr) {
    retry_timer_ = std::make_unique<Timer>(callbacks_->worker().loop.uv(), [this] { doRetry(); });
  }
  retry_timer_->enable(delay);
}

void RouterFilter::doRetry() {
  retry_scheduled_ = false;
  if (destroyed_ || final_attempt_ != nullptr) return;
  if (upstream::ConnPool* stale = std::exchange(stale_pool_, nullptr); stale != nullptr) {
    stale->closeIdleConnections();
  }
  auto& info = callbacks_->streamInfo();
  upstream::WorkerHost* host = cluster_->chooseHost(*this);
  if (host == nullptr) {
    if (otherAttemptsPending(*upstream_request_)) return;
    cluster_->config().stats->upstream_cx_none_healthy.inc();
    info.setResponseFlag(ResponseFlag::kNoHealthyUpstream);
    resetAttempt();
    callbacks_->sendLocalReply(503, "no healthy upstream", "no_healthy_upstream");
    return;
  }
  http::HeaderMap& headers = *request_headers_;
  if (route_->routeAction()->auto_host_rewrite) {
    headers.set(http::headers::kAuthority, host->host().hostname());
  }
  if (include_request_attempt_count_) {
    char buf[16];
    auto end = std::to_chars(buf, buf + sizeof(buf), attempts_ + 1).ptr;
    headers.set("x-envoy-attempt-count", std::string_view(buf, static_cast<size_t>(end - buf)));
  }
  UpstreamRequest& attempt = newAttempt(*host);
  retained_.replay(attempt, *cluster_->httpPool(*host, pool_key_), headers);
  if (destroyed_) return;
  if (request_complete_ && attempt.live()) armPerTryTimers(attempt);
}

void RouterFilter::releaseRetry() {
  if (!holds_retry_) return;
  holds_retry_ = false;
  cluster_->config().retryDone(pool_key_.priority);
}

void RouterFilter::chooseFinal(UpstreamRequest& attempt) {
  final_attempt_ = &attempt;
  retry_timer_.reset();
  retry_scheduled_ = false;
  releaseRetry();
  callbacks_->streamInfo().upstream_host = &attempt.host();
  // The hedged attempts that lost.
  for (const auto& other : upstream_requests_) {
    if (other.get() != &attempt && other->live()) other->resetStream();
  }
}

void RouterFilter::failFinally(FinalError error) {
  releaseRetry();
  auto& info = callbacks_->streamInfo();
  switch (error) {
    case FinalError::kConnectFailure:
      info.setResponseFlag(ResponseFlag::kUpstreamConnectionFailure);
      failWith(503, "upstream_reset_before_response_started{connection_failure}",
               kConnectFailureBody);
      return;
    case FinalError::kOverflow: {
      info.setResponseFlag(ResponseFlag::kUpstreamOverflow);
      resetAttempt();
      http::HeaderMap extra;
      if (!config_.suppress_envoy_headers) extra.addLowercase("x-envoy-overloaded", "true");
      callbacks_->sendLocalReply(503, kOverflowBody,
                                 "upstream_reset_before_response_started{overflow}", extra);
      return;
    }
    case FinalError::kProtocolError:
      info.setResponseFlag(ResponseFlag::kUpstreamProtocolError);
      failWith(502, "upstream_reset_before_response_started{protocol_error}",
               "upstream protocol error");
      return;
    case FinalError::kReset:
      info.setResponseFlag(ResponseFlag::kUpstreamConnectionTermination);
      failWith(502, "upstream_reset_before_response_started{connection_termination}", kResetBody);
      return;
    case FinalError::kPerTryTimeout:
      info.setResponseFlag(ResponseFlag::kUpstreamRequestTimeout);
      failWith(504, "upstream_per_try_timeout", "upstream request timeout");
      return;
  }
}

}  // namespace meshproxy::filters::router
