// envoy.config.rbac.v3.RBAC -> RbacEngine (rbac_engine.h).

#include "absl/strings/str_cat.h"
#include "envoy/config/rbac/v3/rbac.pb.h"
#include "proxy/core/strings.h"
#include "proxy/filters/common/rbac/rbac_engine.h"
#include "proxy/matcher/matcher_supported_fields.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/protobuf/proto_util.h"

// source_ip is deprecated in favour of direct_remote_ip/remote_ip but still sent; read on purpose.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace meshproxy::filters::rbac {
namespace {

namespace rbacv3 = envoy::config::rbac::v3;

const protobuf::SupportedFields& rbacFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        // audit_logging_options is not implemented: refused by name.
        {"envoy.config.rbac.v3.RBAC", {"action", "policies"}},
        // condition / checked_condition (CEL) are not implemented: refused by name.
        {"envoy.config.rbac.v3.Policy", {"permissions", "principals"}},
        // matcher (the generic matcher API) and uri_template are not implemented.
        {"envoy.config.rbac.v3.Permission",
         {"and_rules", "or_rules", "any", "header", "url_path", "destination_ip",
          "destination_port", "destination_port_range", "metadata", "not_rule",
          "requested_server_name"}},
        {"envoy.config.rbac.v3.Permission.Set", {"rules"}},
        // filter_state is not implemented.
        {"envoy.config.rbac.v3.Principal",
         {"and_ids", "or_ids", "any", "authenticated", "source_ip", "direct_remote_ip", "remote_ip",
          "header", "url_path", "metadata", "not_id"}},
        {"envoy.config.rbac.v3.Principal.Set", {"ids"}},
        {"envoy.config.rbac.v3.Principal.Authenticated", {"principal_name"}},
        {"envoy.config.core.v3.CidrRange", {"address_prefix", "prefix_len"}},
        {"envoy.type.v3.Int32Range", {"start", "end"}},
    };
    f.merge(matcher::matcherSupportedFields());
    return f;
  }();
  return fields;
}

using Status = absl::Status;

template <typename T>
absl::StatusOr<MatcherPtr> make(T&& matcher) {
  return MatcherPtr(std::make_unique<std::decay_t<T>>(std::forward<T>(matcher)));
}

absl::StatusOr<MatcherPtr> cidrRule(IpRule::Which which,
                                    const envoy::config::core::v3::CidrRange& proto,
                                    std::string_view field) {
  const uint32_t len = proto.has_prefix_len() ? proto.prefix_len().value() : 0;
  auto range = network::CidrRange::create(proto.address_prefix(), len);
  if (!range.ok()) return protobuf::withContext(range.status(), field);
  return make(IpRule(which, *range));
}

absl::StatusOr<MatcherPtr> headerRule(const envoy::config::route::v3::HeaderMatcher& proto,
                                      const RbacTranslateOptions& options) {
  auto header = matcher::translateHeaderMatcher(proto, options.max_regex_program_size);
  if (!header.ok()) return protobuf::withContext(header.status(), "header");
  return make(HeaderRule(std::move(*header)));
}

absl::StatusOr<MatcherPtr> pathRule(const envoy::type::matcher::v3::PathMatcher& proto,
                                    const RbacTranslateOptions& options) {
  if (!proto.has_path()) return absl::InvalidArgumentError("url_path: path is required");
  auto path = matcher::translateStringMatcher(proto.path(), options.max_regex_program_size);
  if (!path.ok()) return protobuf::withContext(path.status(), "url_path.path");
  return make(UrlPathRule(std::move(*path)));
}

absl::StatusOr<MatcherPtr> metadataRule(const envoy::type::matcher::v3::MetadataMatcher& proto,
                                        const RbacTranslateOptions& options) {
  auto m = matcher::translateMetadataMatcher(proto, options.max_regex_program_size);
  if (!m.ok()) return protobuf::withContext(m.status(), "metadata");
  return make(MetadataRule(std::move(*m)));
}

// A list of children, each translated by `one`, named "<field>[i]".
template <typename Proto, typename Fn>
absl::StatusOr<std::vector<MatcherPtr>> children(
    const google::protobuf::RepeatedPtrField<Proto>& protos, std::string_view field, Fn one) {
  if (protos.empty())
    return absl::InvalidArgumentError(absl::StrCat(toAbsl(field), " must not be empty"));
  std::vector<MatcherPtr> out;
  for (int i = 0; i < protos.size(); ++i) {
    auto m = one(protos[i]);
    if (!m.ok()) return protobuf::withContext(m.status(), absl::StrCat(toAbsl(field), "[", i, "]"));
    out.push_back(std::move(*m));
  }
  return out;
}

absl::StatusOr<MatcherPtr> permission(const rbacv3::Permission& p, const RbacTranslateOptions& o) {
  auto recurse = [&o](const rbacv3::Permission& child) { return permission(child, o); };
  switch (p.rule_case()) {
    case rbacv3::Permission::kAndRules:
    case rbacv3::Permission::kOrRules: {
      const bool is_and = p.rule_case() == rbacv3::Permission::kAndRules;
      const auto& set = is_and ? p.and_rules() : p.or_rules();
      auto list = children(set.rules(), is_and ? "and_rules.rules" : "or_rules.rules", recurse);
      if (!list.ok()) return list.status();
      if (is_and) return make(AndMatcher(std::move(*list)));
      return make(OrMatcher(std::move(*list)));
    }
    case rbacv3::Permission::kAny:
      if (!p.any()) return absl::InvalidArgumentError("any must be true");
      return make(AlwaysMatcher());
    case rbacv3::Permission::kHeader:
      return headerRule(p.header(), o);
    case rbacv3::Permission::kUrlPath:
      return pathRule(p.url_path(), o);
    case rbacv3::Permission::kDestinationIp:
      return cidrRule(IpRule::Which::kDestination, p.destination_ip(), "destination_ip");
    case rbacv3::Permission::kDestinationPort:
      if (p.destination_port() > 65535) {
        return absl::InvalidArgumentError("destination_port must be at most 65535");
      }
      return make(PortRule(p.destination_port(), p.destination_port() + 1));
    case rbacv3::Permission::kDestinationPortRange: {
      const int32_t start = p.destination_port_range().start();
      const int32_t end = p.destination_port_range().end();
      // Envoy's bounds; start >= end is an empty range, as in Envoy.
      if (start < 0 || start > 65536 || end < 0 || end > 65536) {
        return absl::InvalidArgumentError(
            "destination_port_range: start and end must be between 0 and 65536");
      }
      return make(PortRule(static_cast<uint32_t>(start), static_cast<uint32_t>(end)));
    }
    case rbacv3::Permission::kMetadata:
      return metadataRule(p.metadata(), o);
    case rbacv3::Permission::kNotRule: {
      auto child = permission(p.not_rule(), o);
      if (!child.ok()) return protobuf::withContext(child.status(), "not_rule");
      return make(NotMatcher(std::move(*child)));
    }
    case rbacv3::Permission::kRequestedServerName: {
      auto name =
          matcher::translateStringMatcher(p.requested_server_name(), o.max_regex_program_size);
      if (!name.ok()) return protobuf::withContext(name.status(), "requested_server_name");
      return make(ServerNameRule(std::move(*name)));
    }
    default:
      return absl::InvalidArgumentError("permission without a rule");
  }
}

absl::StatusOr<MatcherPtr> principal(const rbacv3::Principal& p, const RbacTranslateOptions& o) {
  auto recurse = [&o](const rbacv3::Principal& child) { return principal(child, o); };
  switch (p.identifier_case()) {
    case rbacv3::Principal::kAndIds:
    case rbacv3::Principal::kOrIds: {
      const bool is_and = p.identifier_case() == rbacv3::Principal::kAndIds;
      const auto& set = is_and ? p.and_ids() : p.or_ids();
      auto list = children(set.ids(), is_and ? "and_ids.ids" : "or_ids.ids", recurse);
      if (!list.ok()) return list.status();
      if (is_and) return make(AndMatcher(std::move(*list)));
      return make(OrMatcher(std::move(*list)));
    }
    case rbacv3::Principal::kAny:
      if (!p.any()) return absl::InvalidArgumentError("any must be true");
      return make(AlwaysMatcher());
    case rbacv3::Principal::kAuthenticated: {
      if (!p.authenticated().has_principal_name()) return make(AuthenticatedRule(std::nullopt));
      auto name = matcher::translateStringMatcher(p.authenticated().principal_name(),
                                                  o.max_regex_program_size);
      if (!name.ok()) return protobuf::withContext(name.status(), "authenticated.principal_name");
      return make(AuthenticatedRule(std::move(*name)));
    }
    case rbacv3::Principal::kSourceIp:
      return cidrRule(IpRule::Which::kSource, p.source_ip(), "source_ip");
    case rbacv3::Principal::kDirectRemoteIp:
      return cidrRule(IpRule::Which::kDirectRemote, p.direct_remote_ip(), "direct_remote_ip");
    case rbacv3::Principal::kRemoteIp:
      return cidrRule(IpRule::Which::kRemote, p.remote_ip(), "remote_ip");
    case rbacv3::Principal::kHeader:
      return headerRule(p.header(), o);
    case rbacv3::Principal::kUrlPath:
      return pathRule(p.url_path(), o);
    case rbacv3::Principal::kMetadata:
      return metadataRule(p.metadata(), o);
    case rbacv3::Principal::kNotId: {
      auto child = principal(p.not_id(), o);
      if (!child.ok()) return protobuf::withContext(child.status(), "not_id");
      return make(NotMatcher(std::move(*child)));
    }
    default:
      return absl::InvalidArgumentError("principal without an identifier");
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RbacEngine>> translateRbac(
    const rbacv3::RBAC& proto, const RbacTranslateOptions& options) {
  if (auto s = rbacFields().check(proto); !s.ok()) return s;
  RbacAction action = RbacAction::kAllow;
  switch (proto.action()) {
    case rbacv3::RBAC::ALLOW:
      action = RbacAction::kAllow;
      break;
    case rbacv3::RBAC::DENY:
      action = RbacAction::kDeny;
      break;
    case rbacv3::RBAC::LOG:
      action = RbacAction::kLog;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown action ", proto.action()));
  }
  std::vector<Policy> policies;
  for (const auto& [name, p] : proto.policies()) {
    const std::string where = absl::StrCat("policy '", name, "'");
    auto permissions = children(p.permissions(), "permissions", [&](const rbacv3::Permission& x) {
      return permission(x, options);
    });
    if (!permissions.ok()) return protobuf::withContext(permissions.status(), where);
    auto principals = children(p.principals(), "principals",
                               [&](const rbacv3::Principal& x) { return principal(x, options); });
    if (!principals.ok()) return protobuf::withContext(principals.status(), where);
    policies.push_back(Policy{name, std::make_unique<OrMatcher>(std::move(*permissions)),
                              std::make_unique<OrMatcher>(std::move(*principals))});
  }
  return std::make_shared<const RbacEngine>(action, std::move(policies));
}

const protobuf::SupportedFields& rbacSupportedFields() { return rbacFields(); }

}  // namespace meshproxy::filters::rbac
