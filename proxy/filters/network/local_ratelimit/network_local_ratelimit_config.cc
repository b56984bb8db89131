#include "proxy/filters/network/local_ratelimit/network_local_ratelimit_config.h"

#include <map>
#include <mutex>
#include <tuple>

#include "envoy/extensions/filters/network/local_ratelimit/v3/local_rate_limit.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/protobuf/type_translators.h"

namespace meshproxy::filters::network_local_ratelimit {
namespace {

using Proto = envoy::extensions::filters::network::local_ratelimit::v3::LocalRateLimit;

constexpr std::chrono::milliseconds kMinFillInterval{50};

const protobuf::SupportedFields& fields() {
  static const protobuf::SupportedFields f = [] {
    protobuf::SupportedFields s = {
        {"envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit",
         {"stat_prefix", "token_bucket", "runtime_enabled", "share_key"}},
    };
    s.merge(protobuf::typeTranslatorFields());
    return s;
  }();
  return f;
}

// Buckets by (share_key, token bucket), alive while a config holds them. Config translation
// runs on the main thread, but tests and validation may translate elsewhere: a mutex, taken
// at config time only.
std::shared_ptr<AtomicTokenBucket> sharedBucket(const std::string& key, const TokenBucketSpec& spec,
                                                MonotonicTime now) {
  using Key = std::tuple<std::string, uint32_t, uint32_t, int64_t>;
  static std::mutex mutex;
  static std::map<Key, std::weak_ptr<AtomicTokenBucket>> buckets;
  std::lock_guard<std::mutex> lock(mutex);
  // Drop the entries of buckets no config holds any more.
  for (auto it = buckets.begin(); it != buckets.end();) {
    it = it->second.expired() ? buckets.erase(it) : std::next(it);
  }
  const Key k{key, spec.max_tokens, spec.tokens_per_fill, spec.fill_interval.count()};
  if (auto existing = buckets[k].lock()) return existing;
  auto bucket = std::make_shared<AtomicTokenBucket>(spec, now);
  buckets[k] = bucket;
  return bucket;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const NetworkLocalRateLimitConfig>> translateNetworkLocalRateLimit(
    const Proto& proto, const stats::Scope& root, MonotonicTime now) {
  if (auto s = fields().check(proto); !s.ok()) return protobuf::withContext(s, "local_ratelimit");
  if (proto.stat_prefix().empty()) {
    return absl::InvalidArgumentError("local_ratelimit: stat_prefix is required");
  }
  if (!proto.has_token_bucket()) {
    return absl::InvalidArgumentError("local_ratelimit: token_bucket is required");
  }
  auto spec = protobuf::translateTokenBucket(proto.token_bucket(), "local_ratelimit: token_bucket",
                                             kMinFillInterval);
  if (!spec.ok()) return spec.status();
  auto config = std::make_shared<NetworkLocalRateLimitConfig>();
  if (proto.has_runtime_enabled()) {
    auto enabled = protobuf::translateRuntimeFeatureFlag(proto.runtime_enabled(),
                                                         "local_ratelimit: runtime_enabled");
    if (!enabled.ok()) return enabled.status();
    config->enabled = *enabled;
  }
  config->bucket = proto.share_key().empty() ? std::make_shared<AtomicTokenBucket>(*spec, now)
                                             : sharedBucket(proto.share_key(), *spec, now);
  config->rate_limited =
      &root.scope("local_ratelimit", proto.stat_prefix()).counter("rate_limited");
  return std::shared_ptr<const NetworkLocalRateLimitConfig>(std::move(config));
}

}  // namespace meshproxy::filters::network_local_ratelimit
