#include "proxy/filters/http/jwt_authn/remote_jwks_fetcher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proxy/core/log.h"
#include "proxy/core/strings.h"
#include "proxy/core/worker_context.h"
#include "proxy/http/header_map.h"

namespace meshproxy::filters::jwt_authn {

namespace {

// A JWKS document is small; a megabyte is far more than any real issuer serves.
constexpr size_t kMaxJwksBytes = 1024 * 1024;

}  // namespace

RemoteJwksFetcher::RemoteJwksFetcher(const RemoteJwksConfig& config, JwksFetchStats stats)
    : config_(config),
      stats_(stats),
      // Without async_fetch a failed fetch does not hold the next request back: it tries again,
      // as Envoy's per-request fetch does.
      cache_(config.cache_duration,
             config.async_fetch ? config.failed_refetch_duration : std::chrono::milliseconds(0)) {}

std::shared_ptr<const Jwks> RemoteJwksFetcher::keysFor(WorkerContext& worker,
                                                       Clock::time_point now) {
  switch (cache_.state(now)) {
    case JwksCache::State::kFresh:
      return cache_.keys();
    case JwksCache::State::kNeedsFetch:
      if (config_.async_fetch && cache_.keys()) {
        if (!in_flight_) start(worker);
        return cache_.keys();
      }
      return nullptr;
    case JwksCache::State::kFetchFailed:
      return config_.async_fetch ? cache_.keys() : nullptr;
  }
  return nullptr;
}

void RemoteJwksFetcher::fetch(WorkerContext& worker, JwksFetchWaiter* waiter) {
  if (std::find(waiters_.begin(), waiters_.end(), waiter) == waiters_.end()) {
    waiters_.push_back(waiter);
  }
  if (!in_flight_) start(worker);
}

void RemoteJwksFetcher::removeWaiter(JwksFetchWaiter* waiter) {
  std::erase(waiters_, waiter);
  if (notifying_ != nullptr) std::erase(*notifying_, waiter);
}

void RemoteJwksFetcher::start(WorkerContext& worker) {
  worker_ = &worker;
  in_flight_ = true;
  self_ = shared_from_this();
  retries_left_ = config_.num_retries.value_or(0);
  backoff_.emplace(static_cast<uint64_t>(config_.retry_base_interval.count()),
                   static_cast<uint64_t>(config_.retry_max_interval.count()));
  send();
}

void RemoteJwksFetcher::send() {
  if (worker_->http_client == nullptr) {
    attemptFailed("no async HTTP client on this worker");
    return;
  }
  auto headers =
      std::make_unique<http::HeaderMap>(http::HeaderMap{{":method", "GET"},
                                                        {":scheme", "http"},
                                                        {":authority", config_.authority},
                                                        {":path", config_.path}});
  upstream::AsyncHttpOptions options;
  options.timeout = config_.timeout;
  options.max_response_bytes = kMaxJwksBytes;
  // May call back before it returns (no cluster, no host).
  worker_->http_client->send(config_.cluster, std::move(headers), Buffer(), *this, options,
                             handle_);
}

void RemoteJwksFetcher::onSuccess(upstream::AsyncHttpResponse&& response) {
  if (response.status() != 200) {
    attemptFailed(absl::StrCat("status ", response.status()));
    return;
  }
  auto jwks = std::make_shared<Jwks>();
  const JwtStatus status = Jwks::parse(response.body.toString(), jwks.get());
  if (status != JwtStatus::kOk) {
    attemptFailed(jwtStatusMessage(status));
    return;
  }
  stats_.success.inc();
  cache_.onFetchSuccess(std::move(jwks), Clock::now());
  log::debug("jwt_authn: fetched JWKS from {} (cluster {})", config_.uri, config_.cluster);
  finish();
}

void RemoteJwksFetcher::onFailure(upstream::AsyncHttpFailure failure, std::string_view details) {
  attemptFailed(absl::StrCat(toAbsl(upstream::toString(failure)), ": ", toAbsl(details)));
}

void RemoteJwksFetcher::attemptFailed(std::string_view why) {
  if (retries_left_ > 0) {
    --retries_left_;
    const uint64_t wait_ms = backoff_->nextMs(worker_->random());
    log::debug("jwt_authn: JWKS fetch from {} failed ({}); retrying in {} ms", config_.uri, why,
               wait_ms);
    if (retry_timer_ == nullptr) {
      retry_timer_ = std::make_unique<Timer>(worker_->loop.uv(), [this] { send(); });
    }
    retry_timer_->enable(std::chrono::milliseconds(wait_ms));
    return;
  }
  log::warn("jwt_authn: JWKS fetch from {} (cluster {}) failed: {}", config_.uri, config_.cluster,
            why);
  stats_.failed.inc();
  cache_.onFetchFailure(Clock::now());
  finish();
}

void RemoteJwksFetcher::finish() {
  // The last reference may be this one: keep it until the waiters are told.
  std::shared_ptr<RemoteJwksFetcher> keep = std::move(self_);
  in_flight_ = false;
  retry_timer_.reset();
  std::vector<JwksFetchWaiter*> waiters = std::move(waiters_);
  waiters_.clear();
  std::vector<JwksFetchWaiter*>* outer = std::exchange(notifying_, &waiters);
  // One at a time from the front: a waiter's answer may end other streams, which then leave
  // the list (removeWaiter) before their turn.
  while (!waiters.empty()) {
    JwksFetchWaiter* waiter = waiters.front();
    waiters.erase(waiters.begin());
    waiter->onJwksFetchDone();
  }
  notifying_ = outer;
}

}  // namespace meshproxy::filters::jwt_authn
