#include "proxy/config/bootstrap_loader.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "proxy/config/address_translator.h"
#include "proxy/config/bootstrap_defaults.h"
#include "proxy/config/static_route_clusters.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/common_supported_fields.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::config {
namespace {

const protobuf::SupportedFields& bootstrapFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        {"envoy.config.bootstrap.v3.Bootstrap", {"node", "static_resources", "admin", "dynamic_resources"}},
        {"envoy.config.bootstrap.v3.Bootstrap.DynamicResources", {"lds_config", "cds_config", "ads_config"}},
        {"envoy.config.core.v3.ConfigSource", {"ads", "resource_api_version", "initial_fetch_timeout"}},
        {"envoy.config.core.v3.AggregatedConfigSource", {}},
        {"envoy.config.core.v3.ApiConfigSource",
         {"api_type", "transport_api_version", "grpc_services", "set_node_on_first_message_only"}},
        {"envoy.config.core.v3.GrpcService", {"envoy_grpc", "google_grpc", "timeout"}},
        {"envoy.config.core.v3.GrpcService.EnvoyGrpc", {"cluster_name"}},
        {"envoy.config.core.v3.GrpcService.GoogleGrpc", {"target_uri", "stat_prefix"}},
        {"envoy.config.core.v3.Node", {"id", "cluster", "metadata", "locality"}},
        {"envoy.config.bootstrap.v3.Bootstrap.StaticResources", {"listeners*", "clusters*"}},
        {"envoy.config.bootstrap.v3.Admin", {"address"}},
    };
    f.merge(protobuf::commonSupportedFields());
    return f;
  }();
  return fields;
}

absl::StatusOr<Bootstrap> fromJson(const std::string& json) {
  // protobuf's own words for these ("Root element must be a message.") name nothing.
  if (json == "null") return absl::InvalidArgumentError("bootstrap: the file is empty");
  if (size_t first = json.find_first_not_of(" \t\r\n");
      first == std::string::npos || json[first] != '{') {
    return absl::InvalidArgumentError(
        "bootstrap: the top level must be a YAML mapping or a JSON object");
  }
  Bootstrap b;
  if (auto s = protobuf::jsonToMessage(json, &b.proto); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("bootstrap: ", s.message()));
  }
  if (auto s = applyEnvoyDefaults(b.proto); !s.ok()) return protobuf::withContext(s, "bootstrap");
  if (auto s = bootstrapFields().check(b.proto); !s.ok()) return protobuf::withContext(s, "bootstrap");
  if (b.proto.has_admin()) {
    auto address = translateAddress(b.proto.admin().address(), "bootstrap admin.address");
    if (!address.ok()) return address.status();
    b.admin_address = *address;
  }
  // Names are keys (stats, xDS, admin): duplicates would make two resources one.
  absl::flat_hash_set<std::string> names;
  for (const auto& l : b.proto.static_resources().listeners()) {
    if (!names.insert(l.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("bootstrap: duplicate listener name '", l.name(), "'"));
    }
  }
  names.clear();
  for (const auto& c : b.proto.static_resources().clusters()) {
    if (!names.insert(c.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("bootstrap: duplicate cluster name '", c.name(), "'"));
    }
  }
  if (auto s = checkStaticRouteClusters(b.proto); !s.ok())
    return protobuf::withContext(s, "bootstrap");
  return b;
}

}  // namespace

absl::StatusOr<Bootstrap> loadBootstrapFile(const std::string& path) {
  // Its errors name the file already.
  auto json = loadConfigFileAsJson(path);
  if (!json.ok()) return json.status();
  auto b = fromJson(*json);
  if (!b.ok()) return protobuf::withContext(b.status(), path);
  return b;
}

absl::StatusOr<Bootstrap> parseBootstrap(std::string_view yaml_or_json) {
  auto json = yamlToJson(yaml_or_json);
  if (!json.ok()) return json.status();
  return fromJson(*json);
}

}  // namespace meshproxy::config
