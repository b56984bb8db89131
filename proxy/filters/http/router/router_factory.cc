#include "proxy/filters/http/router/router_factory.h"

#include "envoy/extensions/filters/http/router/v3/router.pb.h"
#include "proxy/core/recycled.h"
#include "proxy/filters/http/router/router_filter.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::filters::router {

const protobuf::SupportedFields& routerSupportedFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.extensions.filters.http.router.v3.Router",
       {"suppress_envoy_headers", "dynamic_stats"}},
  };
  return fields;
}

absl::StatusOr<http::HttpFilterFactory> createRouterFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext&) {
  using envoy::extensions::filters::http::router::v3::Router;
  auto proto = protobuf::unpackAny<Router>(typed_config, "router");
  if (!proto.ok()) return proto.status();
  if (auto s = routerSupportedFields().check(*proto); !s.ok()) {
    return protobuf::withContext(s, "router");
  }
  auto config = std::make_shared<RouterConfig>();
  config->suppress_envoy_headers = proto->suppress_envoy_headers();
  return http::HttpFilterFactory(
      [config = std::shared_ptr<const RouterConfig>(config)](http::FilterChainBuilder& builder) {
        // One per request: recycled memory rather than a malloc each time.
        builder.addDecoderFilter(
            std::allocate_shared<RouterFilter>(RecyclingAllocator<RouterFilter>(), *config));
      });
}

}  // namespace meshproxy::filters::router
