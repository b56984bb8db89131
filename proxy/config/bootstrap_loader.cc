#include "proxy/config/bootstrap_loader.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "proxy/config/address_translator.h"
#include "proxy/config/bootstrap_defaults.h"
#include "proxy/config/outlier_detection_translator.h"
#include "proxy/config/static_route_clusters.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/common_supported_fields.h"
#include "proxy/protobuf/config_source.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/runtime/loader.h"
#include "proxy/tracing/tracing_config_translator.h"

namespace meshproxy::config {
namespace {

const protobuf::SupportedFields& bootstrapFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        {"envoy.config.bootstrap.v3.Bootstrap",
         {"node", "static_resources", "admin", "dynamic_resources", "layered_runtime", "tracing"}},
        // tracing.http: checked field by field by translateTracingProvider.
        {"envoy.config.trace.v3.Tracing", {"http*"}},
        {"envoy.config.bootstrap.v3.Bootstrap.DynamicResources",
         {"lds_config", "cds_config", "ads_config"}},
        // user_agent_*: replaced by meshproxy's own before the node is sent, as Envoy replaces
        // them with its own.
        {"envoy.config.core.v3.Node",
         {"id", "cluster", "metadata", "locality", "user_agent_name", "user_agent_version",
          "user_agent_build_version"}},
        {"envoy.config.core.v3.BuildVersion", {"version", "metadata"}},
        {"envoy.type.v3.SemanticVersion", {"major_number", "minor_number", "patch"}},
        // secrets: SecretManager::addStaticSecrets checks each Secret (validateSecret).
        {"envoy.config.bootstrap.v3.Bootstrap.StaticResources",
         {"listeners*", "clusters*", "secrets*"}},
        {"envoy.config.bootstrap.v3.Admin", {"address"}},
        // runtime::Loader reads the layers; disk_layer and rtds_layer are not implemented.
        {"envoy.config.bootstrap.v3.LayeredRuntime", {"layers"}},
        {"envoy.config.bootstrap.v3.RuntimeLayer", {"name", "static_layer", "admin_layer"}},
        {"envoy.config.bootstrap.v3.RuntimeLayer.AdminLayer", {}},
    };
    f.merge(protobuf::commonSupportedFields());
    f.merge(outlierEventLogBootstrapFields());
    f.merge(bootstrapSectionFields());
    // ads_config, lds_config, cds_config: ADS (SotW or delta), api_config_source, files.
    f.merge(protobuf::configSourceSupportedFields());
    return f;
  }();
  return fields;
}

// Parsed, with Envoy's defaults applied and TypedStructs unwrapped; nothing checked yet.
absl::StatusOr<envoy::config::bootstrap::v3::Bootstrap> parseJson(const std::string& json) {
  // protobuf's own words for these ("Root element must be a message.") name nothing.
  if (json == "null") return absl::InvalidArgumentError("bootstrap: the file is empty");
  if (size_t first = json.find_first_not_of(" \t\r\n");
      first == std::string::npos || json[first] != '{') {
    return absl::InvalidArgumentError(
        "bootstrap: the top level must be a YAML mapping or a JSON object");
  }
  envoy::config::bootstrap::v3::Bootstrap proto;
  if (auto s = protobuf::jsonToMessage(json, &proto); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("bootstrap: ", s.message()));
  }
  if (auto s = applyEnvoyDefaults(proto); !s.ok()) return protobuf::withContext(s, "bootstrap");
  return proto;
}

absl::StatusOr<Bootstrap> fromJson(const std::string& json) {
  auto parsed = parseJson(json);
  if (!parsed.ok()) return parsed.status();
  Bootstrap b;
  b.proto = std::move(*parsed);
  if (auto s = bootstrapFields().check(b.proto); !s.ok())
    return protobuf::withContext(s, "bootstrap");
  // Layer names, value types: checked here so that validate mode reports them too.
  if (auto loader = runtime::Loader::create(b.proto); !loader.ok()) {
    return protobuf::withContext(loader.status(), "bootstrap");
  }
  if (b.proto.tracing().has_http()) {
    if (auto t = tracing::translateTracingProvider(b.proto.tracing().http()); !t.ok()) {
      return protobuf::withContext(t.status(), "bootstrap tracing.http");
    }
  }
  auto settings = translateBootstrapSections(b.proto);
  if (!settings.ok()) return protobuf::withContext(settings.status(), "bootstrap");
  b.settings = std::move(*settings);
  if (b.proto.has_admin()) {
    auto address = translateAddress(b.proto.admin().address(), "bootstrap admin.address");
    if (!address.ok()) return address.status();
    if (address->isPipe()) {
      return absl::InvalidArgumentError("bootstrap admin.address: a pipe is not supported");
    }
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

absl::StatusOr<envoy::config::bootstrap::v3::Bootstrap> readBootstrapFileUnchecked(
    const std::string& path) {
  auto json = loadConfigFileAsJson(path);
  if (!json.ok()) return json.status();
  auto proto = parseJson(*json);
  if (!proto.ok()) return protobuf::withContext(proto.status(), path);
  return proto;
}

absl::StatusOr<Bootstrap> parseBootstrap(std::string_view yaml_or_json) {
  auto json = yamlToJson(yaml_or_json);
  if (!json.ok()) return json.status();
  return fromJson(*json);
}

const protobuf::SupportedFields& bootstrapSupportedFields() { return bootstrapFields(); }

}  // namespace meshproxy::config
