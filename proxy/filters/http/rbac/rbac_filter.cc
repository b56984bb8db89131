#include "proxy/filters/http/rbac/rbac_filter.h"

#include <google/protobuf/struct.pb.h>

#include "absl/strings/str_cat.h"
#include "envoy/extensions/filters/http/rbac/v3/rbac.pb.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/log.h"
#include "proxy/filters/http/rbac/http_request_view.h"
#include "proxy/network/connection.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::rbac {

namespace httpv3 = envoy::extensions::filters::http::rbac::v3;

const google::protobuf::Struct* RbacHttpFilter::find(std::string_view ns) const {
  return callbacks_->streamInfo().dynamic_metadata.get(ns);
}

http::FilterHeadersStatus RbacHttpFilter::decodeHeaders(http::HeaderMap& headers, bool) {
  accesslog::StreamInfo& info = callbacks_->streamInfo();
  const network::Connection& connection = callbacks_->connection();
  // remote_ip is the client after x-forwarded-for: parsed only when it differs from the peer
  // (a trusted proxy in front), so the common case costs nothing.
  std::optional<network::Address> remote;
  if (!info.downstream_remote_address.empty() &&
      info.downstream_remote_address != info.downstream_direct_remote_address) {
    auto parsed = network::Address::parse(info.downstream_remote_address);
    if (!parsed.ok()) parsed = network::Address::fromIpPort(info.downstream_remote_address, 0);
    if (parsed.ok()) remote = std::move(*parsed);
  }
  const RequestView view =
      httpRequestView(headers, connection, remote.has_value() ? &*remote : nullptr,
                      info.requested_server_name, this);
  return decide(view);
}

http::FilterHeadersStatus RbacHttpFilter::decide(const RequestView& view) {
  // The route's RBACPerRoute replaces the filter's rules; its decisions are counted in the
  // filter's counters.
  const RbacFilterConfig* config = config_.get();
  if (const auto* per_route =
          dynamic_cast<const RbacPerRouteConfig*>(callbacks_->mostSpecificPerFilterConfig())) {
    config = &per_route->config();
  }
  accesslog::StreamInfo& info = callbacks_->streamInfo();
  const RbacCheckResult result = config->check(view, config_->stats());
  if (result.shadow_evaluated) {
    google::protobuf::Struct fields;
    config->addShadowMetadata(result, fields);
    info.dynamic_metadata.merge(kHttpRbacFilterName, fields);
  }
  if (result.log_action) {
    google::protobuf::Struct fields;
    (*fields.mutable_fields())[kAccessLogHintKey].set_bool_value(result.log_hint);
    info.dynamic_metadata.merge(kCommonMetadataNamespace, fields);
  }
  if (result.allowed) return http::FilterHeadersStatus::kContinue;
  const std::string details =
      absl::StrCat("rbac_access_denied_matched_policy[",
                   result.enforced_policy_id != nullptr ? *result.enforced_policy_id : "none", "]");
  log::debug("rbac: request denied ({})", details);
  callbacks_->sendLocalReply(kDeniedStatus, kDeniedBody, details);
  return http::FilterHeadersStatus::kStopIteration;
}

absl::StatusOr<http::HttpFilterFactory> createRbacHttpFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<httpv3::RBAC>(typed_config, "rbac");
  if (!proto.ok()) return proto.status();
  auto config = translateRbacHttp(*proto, context.stats.scope("http", context.http_stat_prefix));
  if (!config.ok()) return config.status();
  return http::HttpFilterFactory([config = *config](http::FilterChainBuilder& builder) {
    builder.addDecoderFilter(std::make_shared<RbacHttpFilter>(config));
  });
}

absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createRbacPerRouteConfig(
    const google::protobuf::Any& typed_config) {
  auto proto = protobuf::unpackAny<httpv3::RBACPerRoute>(typed_config, "rbac per-route config");
  if (!proto.ok()) return proto.status();
  auto store = std::make_unique<stats::Store>();
  auto config = translateRbacPerRoute(*proto, store->rootScope());
  if (!config.ok()) return config.status();
  return std::make_shared<const RbacPerRouteConfig>(std::move(store), std::move(*config));
}

}  // namespace meshproxy::filters::rbac
