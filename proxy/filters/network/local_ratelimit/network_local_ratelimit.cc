#include "proxy/filters/network/local_ratelimit/network_local_ratelimit.h"

#include <chrono>

#include "envoy/extensions/filters/network/local_ratelimit/v3/local_rate_limit.pb.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::network_local_ratelimit {

network::FilterStatus NetworkLocalRateLimitFilter::onNewConnection() {
  if (!config_->enabled) return network::FilterStatus::kContinue;
  // One clock read per connection (not per request or byte): the accept already cost syscalls.
  if (config_->bucket->tryConsume(std::chrono::steady_clock::now())) {
    return network::FilterStatus::kContinue;
  }
  limited_ = true;
  config_->rate_limited->inc();
  callbacks_->connection().close(network::CloseType::kNoFlush);
  return network::FilterStatus::kStopIteration;
}

network::FilterStatus NetworkLocalRateLimitFilter::onData(Buffer& data, bool /*end_stream*/) {
  if (limited_) {
    // Bytes that raced the close go nowhere.
    data.clear();
    return network::FilterStatus::kStopIteration;
  }
  return network::FilterStatus::kContinue;
}

absl::StatusOr<network::NetworkFilterFactory> createNetworkLocalRateLimitFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  using Proto = envoy::extensions::filters::network::local_ratelimit::v3::LocalRateLimit;
  auto proto = protobuf::unpackAny<Proto>(typed_config, "local_ratelimit");
  if (!proto.ok()) return proto.status();
  auto config = translateNetworkLocalRateLimit(*proto, context.stats.rootScope(),
                                               std::chrono::steady_clock::now());
  if (!config.ok()) return config.status();
  return network::NetworkFilterFactory([config = *config](network::FilterManager& manager) {
    manager.addFilter(std::make_unique<NetworkLocalRateLimitFilter>(config));
  });
}

}  // namespace meshproxy::filters::network_local_ratelimit
