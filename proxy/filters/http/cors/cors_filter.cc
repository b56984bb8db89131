#include "proxy/filters/http/cors/cors_filter.h"

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/extensions/filters/http/cors/v3/cors.pb.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/worker_context.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/route/route.h"
#include "proxy/route/virtual_host.h"

namespace meshproxy::filters::cors {

namespace corsv3 = envoy::extensions::filters::http::cors::v3;

namespace {

class WorkerRandom final : public RandomSource {
 public:
  explicit WorkerRandom(std::mt19937_64& engine) : engine_(engine) {}
  uint64_t next() override { return engine_(); }

 private:
  std::mt19937_64& engine_;
};

const CorsPolicy* policyOf(const http::RouteSpecificFilterConfig* config) {
  const auto* c = dynamic_cast<const CorsPolicyConfig*>(config);
  return c != nullptr ? &c->policy() : nullptr;
}

}  // namespace

http::FilterHeadersStatus CorsFilter::decodeHeaders(http::HeaderMap& headers, bool) {
  const auto* route = dynamic_cast<const route::Route*>(decoder_->route());
  if (route == nullptr) return http::FilterHeadersStatus::kContinue;
  const std::string& name = config_->filter_name;
  const route::VirtualHost& vhost = route->virtualHost();
  for (const CorsPolicy* p : {policyOf(route->perFilterConfigs().config(name)),
                              policyOf(vhost.per_filter_configs.config(name)),
                              vhost.route_config != nullptr
                                  ? policyOf(vhost.route_config->per_filter_configs.config(name))
                                  : nullptr}) {
    if (p != nullptr) policies_[count_++] = p;
  }
  if (count_ == 0) {
    // No typed config for this filter anywhere: the route's and virtual host's `cors`.
    const route::RouteAction* action = route->routeAction();
    if (const CorsPolicy* p = action != nullptr ? policyOf(action->cors.get()) : nullptr) {
      policies_[count_++] = p;
    }
    if (const CorsPolicy* p = policyOf(vhost.cors.get())) policies_[count_++] = p;
  }
  if (count_ == 0) return http::FilterHeadersStatus::kContinue;
  WorkerRandom random(decoder_->worker().random);
  state_ = evaluateRequest(policies(), headers, random, config_->stats);
  if (state_.action != CorsAction::kAnswerPreflight) return http::FilterHeadersStatus::kContinue;
  decoder_->streamInfo().response_code_details = "cors_response";
  decoder_->encodeHeaders(
      std::make_unique<http::HeaderMap>(preflightResponse(policies(), headers, state_)), true);
  return http::FilterHeadersStatus::kStopIteration;
}

http::FilterHeadersStatus CorsFilter::encodeHeaders(http::HeaderMap& headers, bool) {
  // Local replies of other filters pass here too (Envoy adds CORS headers to a 403 or 429).
  if (state_.action == CorsAction::kCors) addResponseHeaders(policies(), state_, headers);
  return http::FilterHeadersStatus::kContinue;
}

absl::StatusOr<http::HttpFilterFactory> createCorsFactory(const google::protobuf::Any& typed_config,
                                                          config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<corsv3::Cors>(typed_config, "cors");
  if (!proto.ok()) return proto.status();
  if (auto s = checkCorsFilterConfig(*proto); !s.ok()) return protobuf::withContext(s, "cors");
  const stats::Scope scope = context.stats.scope("http", context.http_stat_prefix).scope("cors");
  auto config = std::make_shared<const CorsFilterConfig>(CorsFilterConfig{
      .filter_name = context.http_filter_name.empty() ? std::string("envoy.filters.http.cors")
                                                      : std::string(context.http_filter_name),
      .stats = {&scope.counter("origin_valid"), &scope.counter("origin_invalid")}});
  return http::HttpFilterFactory([config](http::FilterChainBuilder& builder) {
    builder.addStreamFilter(std::make_shared<CorsFilter>(config));
  });
}

absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createCorsPerRoute(
    const google::protobuf::Any& typed_config) {
  auto proto = protobuf::unpackAny<corsv3::CorsPolicy>(typed_config, "cors per-route config");
  if (!proto.ok()) return proto.status();
  auto policy = translateCorsPolicy(*proto);
  if (!policy.ok()) return protobuf::withContext(policy.status(), "cors per-route config");
  return std::make_shared<const CorsPolicyConfig>(*policy);
}

absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createRouteCorsPolicy(
    const google::protobuf::Any& typed_config) {
  auto proto = protobuf::unpackAny<envoy::config::route::v3::CorsPolicy>(typed_config, "cors");
  if (!proto.ok()) return proto.status();
  auto policy = translateRouteCorsPolicy(*proto);
  if (!policy.ok()) return policy.status();
  return std::make_shared<const CorsPolicyConfig>(*policy);
}

}  // namespace meshproxy::filters::cors
