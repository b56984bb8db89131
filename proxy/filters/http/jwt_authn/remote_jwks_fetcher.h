#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "proxy/core/backoff.h"
#include "proxy/core/timer.h"
#include "proxy/filters/http/jwt_authn/jwks_cache.h"
#include "proxy/filters/http/jwt_authn/jwt_provider.h"
#include "proxy/stats/counter.h"
#include "proxy/upstream/async_http_client.h"

namespace meshproxy {
struct WorkerContext;
}

// One remote_jwks provider's keys on one worker: the cache (jwks_cache.h) and the fetch through
// the provider's cluster with the worker's async HTTP client. Requests that need the keys wait
// (JwksFetchWaiter) for the one fetch in flight; retry_policy retries a failed fetch with
// jittered back-off before the waiters hear of the failure. Workers share nothing, like Envoy's
// thread-local JWKS cache: each worker fetches for itself.
namespace meshproxy::filters::jwt_authn {

// jwt_authn.jwks_fetch_success / jwks_fetch_failed.
struct JwksFetchStats {
  stats::Counter& success;
  stats::Counter& failed;
};

class JwksFetchWaiter {
 public:
  virtual ~JwksFetchWaiter() = default;
  // The fetch ended, either way: look at the keys again (keysFor).
  virtual void onJwksFetchDone() = 0;
};

class RemoteJwksFetcher : public upstream::AsyncHttpCallbacks,
                          public std::enable_shared_from_this<RemoteJwksFetcher> {
 public:
  using Clock = JwksCache::Clock;

  // `config` (the provider's remote_jwks) outlives the fetcher: both belong to the filter config.
  RemoteJwksFetcher(const RemoteJwksConfig& config, JwksFetchStats stats);

  // The keys to verify with now; nullptr when they must be fetched first. With async_fetch,
  // expired keys are still used while a background fetch (started here, nobody waiting)
  // replaces them, as Envoy's async fetcher keeps serving the last good set.
  std::shared_ptr<const Jwks> keysFor(WorkerContext& worker, Clock::time_point now);

  // The last fetch failed less than failed_refetch_duration ago (async_fetch only; without it
  // every request that needs the keys may try again).
  bool failedRecently(Clock::time_point now) const {
    return cache_.state(now) == JwksCache::State::kFetchFailed;
  }
  bool shouldRefetchForUnknownKid(Clock::time_point now) const {
    return cache_.shouldRefetchForUnknownKid(now);
  }

  // `waiter` hears onJwksFetchDone() once the fetch ends; starts one unless one is in flight.
  void fetch(WorkerContext& worker, JwksFetchWaiter* waiter);
  // A waiter that went away (its stream ended) before the fetch did.
  void removeWaiter(JwksFetchWaiter* waiter);

  // upstream::AsyncHttpCallbacks
  void onSuccess(upstream::AsyncHttpResponse&& response) override;
  void onFailure(upstream::AsyncHttpFailure failure, std::string_view details) override;

 private:
  void start(WorkerContext& worker);
  void send();
  void attemptFailed(std::string_view why);
  void finish();

  const RemoteJwksConfig& config_;
  JwksFetchStats stats_;
  JwksCache cache_;
  WorkerContext* worker_ = nullptr;  // set by the first fetch, on the owning worker
  upstream::AsyncHttpHandle handle_;
  std::unique_ptr<Timer> retry_timer_;
  std::optional<JitteredExponentialBackOff> backoff_;
  uint32_t retries_left_ = 0;
  bool in_flight_ = false;  // a request or a retry wait
  // While in flight the fetcher keeps itself alive: the async client and the timer call back
  // into it, and they must be torn down on this worker, not on whichever thread drops the
  // filter config last.
  std::shared_ptr<RemoteJwksFetcher> self_;
  std::vector<JwksFetchWaiter*> waiters_;
  std::vector<JwksFetchWaiter*>* notifying_ = nullptr;  // the list being told, while it is
};

}  // namespace meshproxy::filters::jwt_authn
