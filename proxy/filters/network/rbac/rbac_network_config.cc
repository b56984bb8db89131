#include "proxy/filters/network/rbac/rbac_network_config.h"

#include <string_view>

#include "envoy/extensions/filters/network/rbac/v3/rbac.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::filters::rbac {

namespace networkv3 = envoy::extensions::filters::network::rbac::v3;

namespace {

const protobuf::SupportedFields& rbacNetworkFields() {
  // rules and shadow_rules are checked by translateRbac against its own table; matcher and
  // shadow_matcher (the generic matcher API) are not implemented: refused by name.
  static const protobuf::SupportedFields fields = {
      {"envoy.extensions.filters.network.rbac.v3.RBAC",
       {"rules*", "shadow_rules*", "shadow_rules_stat_prefix", "stat_prefix", "enforcement_type"}},
  };
  return fields;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const RbacNetworkConfig>> translateRbacNetwork(
    const networkv3::RBAC& proto, const stats::Scope& root) {
  if (auto s = rbacNetworkFields().check(proto); !s.ok()) {
    return protobuf::withContext(s, "network rbac");
  }
  std::string_view prefix = proto.stat_prefix();
  // Envoy joins "<stat_prefix>" and "rbac." with one dot, whether or not the prefix ends in one.
  while (!prefix.empty() && prefix.back() == '.') prefix.remove_suffix(1);
  if (prefix.empty()) return absl::InvalidArgumentError("network rbac: stat_prefix is required");
  RbacFilterSpec spec;
  if (proto.has_rules()) spec.rules = &proto.rules();
  if (proto.has_shadow_rules()) spec.shadow_rules = &proto.shadow_rules();
  spec.shadow_rules_stat_prefix = proto.shadow_rules_stat_prefix();
  auto filter = translateRbacFilter(spec, root.scope(prefix));
  if (!filter.ok()) return protobuf::withContext(filter.status(), "network rbac");
  auto config = std::make_shared<RbacNetworkConfig>();
  config->filter = std::move(*filter);
  config->continuous = proto.enforcement_type() == networkv3::RBAC::CONTINUOUS;
  return std::shared_ptr<const RbacNetworkConfig>(std::move(config));
}

absl::StatusOr<network::NetworkFilterFactory> createRbacNetworkFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<networkv3::RBAC>(typed_config, "network rbac");
  if (!proto.ok()) return proto.status();
  auto config = translateRbacNetwork(*proto, context.stats.rootScope());
  if (!config.ok()) return config.status();
  return network::NetworkFilterFactory([config = *config](network::FilterManager& manager) {
    manager.addFilter(std::make_unique<RbacNetworkFilter>(config));
  });
}

const protobuf::SupportedFields& rbacNetworkSupportedFields() { return rbacNetworkFields(); }

}  // namespace meshproxy::filters::rbac
