#include "proxy/filters/http/local_ratelimit/local_ratelimit_filter.h"

#include <chrono>

#include "envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.pb.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/worker_context.h"
#include "proxy/network/address.h"
#include "proxy/network/connection.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/route/route.h"
#include "proxy/route/virtual_host.h"

namespace meshproxy::filters::local_ratelimit {

namespace lrlv3 = envoy::extensions::filters::http::local_ratelimit::v3;

namespace {

// The worker's generator as the decisions' RandomSource.
class WorkerRandom final : public RandomSource {
 public:
  explicit WorkerRandom(std::mt19937_64& engine) : engine_(engine) {}
  uint64_t next() override { return engine_(); }

 private:
  std::mt19937_64& engine_;
};

// The descriptors of this request from the route's (and virtual host's) rate_limits. One list
// per worker thread, reused: no allocation once it has grown to the config's size.
std::span<const route::RateLimitDescriptor> requestDescriptors(
    const LocalRateLimitConfig& config, http::StreamDecoderFilterCallbacks& callbacks,
    const http::HeaderMap& headers) {
  thread_local route::RateLimitDescriptorList list;
  list.clear();
  if (!config.hasDescriptors()) return {};
  const auto* route = dynamic_cast<const route::Route*>(callbacks.route());
  if (route == nullptr) return {};
  const route::RateLimitPolicy empty;
  const route::RouteAction* action = route->routeAction();
  const route::RateLimitPolicy& route_limits = action != nullptr ? action->rate_limits : empty;
  const route::RateLimitPolicy& vhost_limits = route->virtualHost().rate_limits;
  if (route_limits.empty() && vhost_limits.empty()) return {};
  // remote_address is the client after x-forwarded-for, as Envoy's action reads it.
  const accesslog::StreamInfo& info = callbacks.streamInfo();
  std::optional<network::Address> remote;
  const network::Address* remote_address = &callbacks.connection().remoteAddress();
  if (!info.downstream_remote_address.empty() &&
      info.downstream_remote_address != info.downstream_direct_remote_address) {
    auto parsed = network::Address::parse(info.downstream_remote_address);
    if (!parsed.ok()) parsed = network::Address::fromIpPort(info.downstream_remote_address, 0);
    if (parsed.ok()) {
      remote = std::move(*parsed);
      remote_address = &*remote;
    }
  }
  const route::RateLimitRequest request{
      .headers = headers,
      .remote_address = remote_address,
      .destination_cluster = route->clusterName(headers, callbacks.routeRandom())};
  route::populateRateLimitDescriptors(route_limits, vhost_limits, config.vh_rate_limits,
                                      config.stage, route::RateLimitFilterKind::kLocal, request,
                                      list);
  return list.descriptors();
}

}  // namespace

http::FilterHeadersStatus LocalRateLimitFilter::decodeHeaders(http::HeaderMap& headers, bool) {
  const LocalRateLimitConfig* config = config_->config.get();
  if (const auto* per_route =
          dynamic_cast<const LocalRateLimitPerRoute*>(decoder_->mostSpecificPerFilterConfig())) {
    config = &per_route->config();
  }
  if (config->shared_limiter == nullptr) return http::FilterHeadersStatus::kContinue;
  const MonotonicTime now = std::chrono::steady_clock::now();
  WorkerRandom random(decoder_->worker().random);
  const auto descriptors = requestDescriptors(*config, *decoder_, headers);
  const LocalRateLimitDecision decision =
      decideRequest(*config, *config->shared_limiter, descriptors, now, random, config_->stats);
  x_ratelimit_ = decision.x_ratelimit;
  switch (decision.action) {
    case LocalRateLimitAction::kDisabled:
    case LocalRateLimitAction::kAllowed:
      return http::FilterHeadersStatus::kContinue;
    case LocalRateLimitAction::kLimitedNotEnforced:
      config->request_headers_to_add_when_not_enforced.apply(headers, decoder_->streamInfo());
      return http::FilterHeadersStatus::kContinue;
    case LocalRateLimitAction::kLimited:
      break;
  }
  decoder_->streamInfo().setResponseFlag(accesslog::ResponseFlag::kRateLimited);
  http::LocalReplyOptions options;
  options.grpc_status = config->grpc_status;
  options.modify_headers = [this, config](http::HeaderMap& reply) {
    config->response_headers_to_add.apply(reply, decoder_->streamInfo());
  };
  decoder_->sendLocalReply(config->status, "local_rate_limited", "local_rate_limited", options);
  return http::FilterHeadersStatus::kStopIteration;
}

http::FilterHeadersStatus LocalRateLimitFilter::encodeHeaders(http::HeaderMap& headers, bool) {
  // Also the local reply above: it passes the encoder filters like any response.
  if (x_ratelimit_.has_value()) addXRateLimitHeaders(*x_ratelimit_, headers);
  return http::FilterHeadersStatus::kContinue;
}

absl::StatusOr<http::HttpFilterFactory> createLocalRateLimitFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<lrlv3::LocalRateLimit>(typed_config, "local_ratelimit");
  if (!proto.ok()) return proto.status();
  auto config =
      translateLocalRateLimit(*proto, /*per_route=*/false, std::chrono::steady_clock::now());
  if (!config.ok()) return protobuf::withContext(config.status(), "local_ratelimit");
  if ((*config)->per_connection) {
    return absl::InvalidArgumentError(
        "local_ratelimit: local_rate_limit_per_downstream_connection is not implemented for the "
        "HTTP filter (no per-connection filter state yet)");
  }
  auto filter_config =
      std::make_shared<const LocalRateLimitFilterConfig>(LocalRateLimitFilterConfig{
          *config, makeLocalRateLimitStats(context.stats.rootScope(), (*config)->stat_prefix)});
  return http::HttpFilterFactory([filter_config](http::FilterChainBuilder& builder) {
    builder.addStreamFilter(std::make_shared<LocalRateLimitFilter>(filter_config));
  });
}

absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createLocalRateLimitPerRoute(
    const google::protobuf::Any& typed_config) {
  auto proto =
      protobuf::unpackAny<lrlv3::LocalRateLimit>(typed_config, "local_ratelimit per-route config");
  if (!proto.ok()) return proto.status();
  auto config =
      translateLocalRateLimit(*proto, /*per_route=*/true, std::chrono::steady_clock::now());
  if (!config.ok())
    return protobuf::withContext(config.status(), "local_ratelimit per-route config");
  if ((*config)->per_connection) {
    return absl::InvalidArgumentError(
        "local_ratelimit per-route config: local_rate_limit_per_downstream_connection is not "
        "implemented for the HTTP filter");
  }
  return std::make_shared<const LocalRateLimitPerRoute>(*config);
}

}  // namespace meshproxy::filters::local_ratelimit
