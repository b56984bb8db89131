#include "proxy/filters/http/rbac/rbac_http_config.h"

#include "absl/strings/str_cat.h"
#include "envoy/extensions/filters/http/rbac/v3/rbac.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::filters::rbac {

namespace httpv3 = envoy::extensions::filters::http::rbac::v3;

namespace {

const protobuf::SupportedFields& rbacHttpFields() {
  // rules / shadow_rules are checked by translateRbac's own table. Not implemented, refused by
  // name: matcher and shadow_matcher (the generic matcher API), track_per_rule_stats.
  static const protobuf::SupportedFields fields = {
      {"envoy.extensions.filters.http.rbac.v3.RBAC",
       {"rules*", "rules_stat_prefix", "shadow_rules*", "shadow_rules_stat_prefix"}},
      {"envoy.extensions.filters.http.rbac.v3.RBACPerRoute", {"rbac"}},
  };
  return fields;
}

absl::StatusOr<std::shared_ptr<const RbacFilterConfig>> translate(const httpv3::RBAC& proto,
                                                                  const stats::Scope& scope) {
  RbacFilterSpec spec;
  if (proto.has_rules()) spec.rules = &proto.rules();
  if (proto.has_shadow_rules()) spec.shadow_rules = &proto.shadow_rules();
  spec.rules_stat_prefix = proto.rules_stat_prefix();
  spec.shadow_rules_stat_prefix = proto.shadow_rules_stat_prefix();
  return translateRbacFilter(spec, scope);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RbacFilterConfig>> translateRbacHttp(
    const httpv3::RBAC& proto, const stats::Scope& http_scope) {
  if (auto s = rbacHttpFields().check(proto); !s.ok()) return protobuf::withContext(s, "rbac");
  auto config = translate(proto, http_scope);
  if (!config.ok()) return protobuf::withContext(config.status(), "rbac");
  return config;
}

absl::StatusOr<std::shared_ptr<const RbacFilterConfig>> translateRbacPerRoute(
    const httpv3::RBACPerRoute& proto, const stats::Scope& http_scope) {
  if (auto s = rbacHttpFields().check(proto); !s.ok()) {
    return protobuf::withContext(s, "rbac per-route config");
  }
  auto config = translate(proto.rbac(), http_scope);
  if (!config.ok()) return protobuf::withContext(config.status(), "rbac per-route config");
  return config;
}

RbacHttpDecision decideRequest(const RbacFilterConfig& config, const RequestView& request) {
  RbacHttpDecision decision;
  decision.result = config.check(request);
  if (!decision.result.allowed) {
    const std::string* policy = decision.result.enforced_policy_id;
    decision.details = absl::StrCat("rbac_access_denied_matched_policy[",
                                    policy != nullptr ? *policy : "none", "]");
  }
  return decision;
}

}  // namespace meshproxy::filters::rbac
