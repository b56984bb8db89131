#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/network/rbac/rbac_network_filter.h"
#include "proxy/network/filter.h"
#include "proxy/protobuf/supported_fields.h"

namespace envoy::extensions::filters::network::rbac::v3 {
class RBAC;
}

namespace meshproxy::filters::rbac {

// envoy.extensions.filters.network.rbac.v3.RBAC -> RbacNetworkConfig. The generic `matcher` and
// `shadow_matcher` forms are refused by name. Stats: "<stat_prefix>.rbac.allowed", ".denied",
// ".<shadow_rules_stat_prefix>shadow_allowed", ".<shadow_rules_stat_prefix>shadow_denied".
absl::StatusOr<std::shared_ptr<const RbacNetworkConfig>> translateRbacNetwork(
    const envoy::extensions::filters::network::rbac::v3::RBAC& proto, const stats::Scope& root);

// envoy.filters.network.rbac: typed_config -> per-connection filter factory.
absl::StatusOr<network::NetworkFilterFactory> createRbacNetworkFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);

// The network RBAC filter's own fields (rules are delegated to the RBAC table). For reports that list every unsupported field (--print-unsupported).
const protobuf::SupportedFields& rbacNetworkSupportedFields();

}  // namespace meshproxy::filters::rbac
