#include "proxy/filters/http/jwt_authn/jwks_cache.h"

namespace meshproxy::filters::jwt_authn {

JwksCache::JwksCache(std::chrono::milliseconds cache_duration,
                     std::chrono::milliseconds failed_refetch_duration,
                     std::chrono::milliseconds min_unknown_kid_refetch_interval)
    : cache_duration_(cache_duration),
      failed_refetch_duration_(failed_refetch_duration),
      min_unknown_kid_refetch_interval_(min_unknown_kid_refetch_interval) {}

JwksCache::State JwksCache::state(Clock::time_point now) const {
  if (failed_at_ && now - *failed_at_ < failed_refetch_duration_) return State::kFetchFailed;
  if (!keys_ || !fetched_at_ || now - *fetched_at_ >= cache_duration_) return State::kNeedsFetch;
  return State::kFresh;
}

void JwksCache::onFetchSuccess(std::shared_ptr<const Jwks> keys, Clock::time_point now) {
  keys_ = std::move(keys);
  fetched_at_ = now;
  failed_at_.reset();
  last_attempt_at_ = now;
}

void JwksCache::onFetchFailure(Clock::time_point now) {
  failed_at_ = now;
  last_attempt_at_ = now;
}

bool JwksCache::shouldRefetchForUnknownKid(Clock::time_point now) const {
  if (failed_at_ && now - *failed_at_ < failed_refetch_duration_) return false;
  return !last_attempt_at_ || now - *last_attempt_at_ >= min_unknown_kid_refetch_interval_;
}

}  // namespace meshproxy::filters::jwt_authn
