#include "proxy/filters/builtin_extensions.h"

#include <mutex>

#include "proxy/config/extension_registry.h"
#include "proxy/filters/http/cache/cache_filter.h"
#include "proxy/filters/http/compressor/compressor_filter.h"
#include "proxy/filters/http/cors/cors_filter.h"
#include "proxy/filters/http/decompressor/decompressor_filter.h"
#include "proxy/filters/http/ext_authz/ext_authz_filter.h"
#include "proxy/filters/http/fault/fault_filter.h"
#include "proxy/filters/http/grpc_stats/grpc_stats_filter.h"
#include "proxy/filters/http/jwt_authn/jwt_authn_filter.h"
#include "proxy/filters/http/local_ratelimit/local_ratelimit_filter.h"
#include "proxy/filters/http/rbac/rbac_filter.h"
#include "proxy/filters/http/router/router_factory.h"
#include "proxy/filters/network/http_connection_manager/hcm_factory.h"
#include "proxy/filters/network/local_ratelimit/network_local_ratelimit.h"
#include "proxy/filters/network/rbac/rbac_network_config.h"
#include "proxy/filters/network/tcp_proxy/tcp_proxy_config.h"
#include "proxy/filters/network/tcp_proxy/tcp_proxy_factory.h"

namespace meshproxy::filters {

void registerBuiltinExtensions() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto& registry = config::ExtensionRegistry::global();
    registry.addNetworkFilter(
        "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
        &tcp_proxy::createTcpProxyFactory);
    registry.addSupportedFields(
        "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
        &tcp_proxy::tcpProxySupportedFields());
    registry.addNetworkFilter(
        "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
        "HttpConnectionManager",
        &hcm::createHttpConnectionManagerFactory);
    registry.addSupportedFields(
        "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3."
        "HttpConnectionManager",
        &hcm::hcmSupportedFields());
    registry.addNetworkFilter("type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC",
                              &rbac::createRbacNetworkFactory);
    registry.addNetworkFilter(
        "type.googleapis.com/envoy.extensions.filters.network.local_ratelimit.v3.LocalRateLimit",
        &network_local_ratelimit::createNetworkLocalRateLimitFactory);
    registry.addSupportedFields("type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC",
                                &rbac::rbacNetworkSupportedFields());
    registry.addHttpFilter("type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
                           &router::createRouterFactory);
    registry.addSupportedFields(
        "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
        &router::routerSupportedFields());
    registry.addHttpFilter("type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC",
                           &rbac::createRbacHttpFactory);
    registry.addPerRouteFilterConfig(
        "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute",
        &rbac::createRbacPerRouteConfig);
    // Filter and per-route config share one type (Envoy's LocalRateLimit).
    registry.addHttpFilter(
        "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
        &local_ratelimit::createLocalRateLimitFactory);
    registry.addPerRouteFilterConfig(
        "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit",
        &local_ratelimit::createLocalRateLimitPerRoute);
    registry.addHttpFilter("type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
                           &fault::createFaultFactory);
    registry.addPerRouteFilterConfig(
        "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault",
        &fault::createFaultPerRoute);
    registry.addHttpFilter("type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors",
                           &cors::createCorsFactory);
    registry.addPerRouteFilterConfig(
        "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy",
        &cors::createCorsPerRoute);
    registry.addHttpFilter(
        "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
        &jwt_authn::createJwtAuthnFactory);
    registry.addPerRouteFilterConfig(
        "type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig",
        &jwt_authn::createJwtAuthnPerRouteConfig);
    registry.addHttpFilter(
        "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
        &ext_authz::createExtAuthzFactory);
    registry.addPerRouteFilterConfig(
        "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
        &ext_authz::createExtAuthzPerRouteConfig);
    registry.addHttpFilter(
        "type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor",
        &compressor::createCompressorFactory);
    registry.addPerRouteFilterConfig(
        "type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute",
        &compressor::createCompressorPerRoute);
    registry.addHttpFilter(
        "type.googleapis.com/envoy.extensions.filters.http.decompressor.v3.Decompressor",
        &decompressor::createDecompressorFactory);
    registry.addHttpFilter("type.googleapis.com/envoy.extensions.filters.http.cache.v3.CacheConfig",
                           &cache::createCacheFactory);
    // The route's and virtual host's `cors` field (route/ translates it through this entry).
    registry.addPerRouteFilterConfig("type.googleapis.com/envoy.config.route.v3.CorsPolicy",
                                     &cors::createRouteCorsPolicy);
    registry.addHttpFilter(
        "type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig",
        &grpc_stats::createGrpcStatsFactory);
    registry.addSupportedFields(
        "type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig",
        &grpc_stats::grpcStatsSupportedFields());
  });
}

}  // namespace meshproxy::filters
