#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/network/local_ratelimit/network_local_ratelimit_config.h"
#include "proxy/network/filter.h"

namespace meshproxy::filters::network_local_ratelimit {

// One per connection. onNewConnection takes a token from the shared bucket; without one the
// connection is closed at once (nothing queued is flushed, as in Envoy) and the filters after
// this one never see it.
class NetworkLocalRateLimitFilter : public network::NetworkFilter {
 public:
  explicit NetworkLocalRateLimitFilter(std::shared_ptr<const NetworkLocalRateLimitConfig> config)
      : config_(std::move(config)) {}

  void initialize(network::NetworkFilterCallbacks& callbacks) override { callbacks_ = &callbacks; }
  network::FilterStatus onNewConnection() override;
  network::FilterStatus onData(Buffer& data, bool end_stream) override;

 private:
  std::shared_ptr<const NetworkLocalRateLimitConfig> config_;
  network::NetworkFilterCallbacks* callbacks_ = nullptr;
  bool limited_ = false;
};

// envoy.filters.network.local_ratelimit: LocalRateLimit typed_config -> per-connection factory.
absl::StatusOr<network::NetworkFilterFactory> createNetworkLocalRateLimitFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);

}  // namespace meshproxy::filters::network_local_ratelimit
