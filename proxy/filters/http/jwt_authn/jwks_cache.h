#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "proxy/filters/http/jwt_authn/jwks.h"

namespace meshproxy::filters::jwt_authn {

// The cached JWKS of one remote_jwks provider and the decisions around fetching it; the fetch
// itself (async HTTP client through the provider's cluster) belongs to the filter wiring. Plain
// data with no clock or I/O of its own, so every decision is a testable function of `now`.
// One per provider per worker (workers share nothing), like Envoy's thread-local cache.
class JwksCache {
 public:
  using Clock = std::chrono::steady_clock;

  enum class State : uint8_t {
    kFresh,        // keys() may be used
    kNeedsFetch,   // nothing cached, or cache_duration passed: fetch before verifying
    kFetchFailed,  // the last fetch failed less than failed_refetch_duration ago: fail fast
  };

  JwksCache(std::chrono::milliseconds cache_duration,
            std::chrono::milliseconds failed_refetch_duration,
            std::chrono::milliseconds min_unknown_kid_refetch_interval = std::chrono::seconds(1));

  State state(Clock::time_point now) const;
  // The cached keys (also once expired: a caller may prefer stale keys to none while refetching).
  const std::shared_ptr<const Jwks>& keys() const { return keys_; }

  void onFetchSuccess(std::shared_ptr<const Jwks> keys, Clock::time_point now);
  void onFetchFailure(Clock::time_point now);

  // A token named a kid (or alg) no cached key has (verifySignature said kJwksKidAlgMismatch):
  // the issuer may have rotated its keys since the fetch. Refetch once: true at most once per
  // min_unknown_kid_refetch_interval since the last fetch attempt, so a stream of tokens with
  // made-up kids cannot turn into a stream of fetches. If the refetched set still lacks the kid,
  // the token fails (the caller verifies once more, it does not ask again).
  bool shouldRefetchForUnknownKid(Clock::time_point now) const;

 private:
  std::chrono::milliseconds cache_duration_;
  std::chrono::milliseconds failed_refetch_duration_;
  std::chrono::milliseconds min_unknown_kid_refetch_interval_;
  std::shared_ptr<const Jwks> keys_;
  std::optional<Clock::time_point> fetched_at_;       // last success
  std::optional<Clock::time_point> failed_at_;        // last failure, cleared by a success
  std::optional<Clock::time_point> last_attempt_at_;  // last fetch that completed either way
};

}  // namespace meshproxy::filters::jwt_authn
