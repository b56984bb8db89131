#include "proxy/config/bootstrap_sections.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "proxy/config/stats_config_translator.h"
#include "proxy/core/log.h"
#include "proxy/core/log_format.h"

namespace meshproxy::config {
namespace {

using envoy::config::bootstrap::v3::Bootstrap;

constexpr char kInternalListenerType[] =
    "type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener";

absl::Status translateClusterManager(const Bootstrap& bootstrap, ClusterManagerSettings& out) {
  const auto& cm = bootstrap.cluster_manager();
  out.local_cluster_name = cm.local_cluster_name();
  out.outlier_event_log_path = cm.outlier_detection().event_log_path();
  if (out.local_cluster_name.empty()) return absl::OkStatus();
  // Envoy: "local cluster '...' must be defined" (a static cluster: CDS may come later).
  for (const auto& c : bootstrap.static_resources().clusters()) {
    if (c.name() == out.local_cluster_name) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("cluster_manager.local_cluster_name: local cluster '", out.local_cluster_name,
                   "' must be defined in static_resources.clusters"));
}

// bootstrap_extensions: each by type URL. Only the internal listener registry is known, and
// only as long as nothing uses an internal listener: Listener.internal_listener and
// envoy_internal_address stay unsupported fields, so accepting the registry changes nothing
// a config can observe (Istio's sidecar bootstrap declares it on every pod).
absl::Status checkBootstrapExtensions(const Bootstrap& bootstrap) {
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < bootstrap.bootstrap_extensions_size(); ++i) {
    const auto& ext = bootstrap.bootstrap_extensions(i);
    const std::string where = absl::StrCat("bootstrap_extensions[", i, "] '", ext.name(), "'");
    if (!names.insert(ext.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate name"));
    }
    if (ext.typed_config().type_url() != kInternalListenerType) {
      return absl::InvalidArgumentError(absl::StrCat("unsupported extension '", ext.name(), "' (",
                                                     ext.typed_config().type_url(),
                                                     ") at bootstrap_extensions[", i, "]"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BootstrapSettings> translateBootstrapSections(const Bootstrap& bootstrap) {
  BootstrapSettings settings;
  if (auto s = translateClusterManager(bootstrap, settings.cluster_manager); !s.ok()) return s;
  if (auto s = checkBootstrapExtensions(bootstrap); !s.ok()) return s;
  auto stats_names = translateStatsConfig(bootstrap);
  if (!stats_names.ok()) return stats_names.status();
  settings.stats_names = std::move(*stats_names);
  auto sinks = translateStatsSinks(bootstrap);
  if (!sinks.ok()) return sinks.status();
  settings.stats_sinks = std::move(*sinks);
  if (bootstrap.has_overload_manager()) {
    auto overload = translateOverloadManager(bootstrap.overload_manager());
    if (!overload.ok()) return overload.status();
    settings.overload = std::move(*overload);
  }
  if (bootstrap.has_application_log_config()) {
    const auto& format = bootstrap.application_log_config().log_format();
    if (format.has_json_format()) {
      return absl::InvalidArgumentError(
          "unsupported field 'application_log_config.log_format.json_format'");
    }
    if (!format.text_format().empty()) {
      if (auto s = log::checkTextPattern(format.text_format()); !s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("application_log_config.log_format.text_format: ", s.message()));
      }
      settings.log_text_format = format.text_format();
    }
  }
  return settings;
}

const protobuf::SupportedFields& bootstrapSectionFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        {"envoy.config.bootstrap.v3.Bootstrap",
         {"cluster_manager", "bootstrap_extensions", "application_log_config",
          "deferred_stat_options"}},
        // enable_deferred_cluster_creation: Envoy then builds a cluster's per-worker state on first
        // use; meshproxy's per-worker cluster state is built either way, so it changes nothing
        // observable.
        {"envoy.config.bootstrap.v3.ClusterManager",
         {"local_cluster_name", "outlier_detection", "enable_deferred_cluster_creation"}},
        {"envoy.config.bootstrap.v3.ClusterManager.OutlierDetection", {"event_log_path"}},
        // bootstrap_extensions: checked by type URL above.
        {"envoy.config.core.v3.TypedExtensionConfig", {"name", "typed_config"}},
        {"envoy.config.bootstrap.v3.Bootstrap.ApplicationLogConfig", {"log_format"}},
        {"envoy.config.bootstrap.v3.Bootstrap.ApplicationLogConfig.LogFormat",
         {"text_format", "json_format"}},
        // Envoy then creates some stats on first use and lists them from then on; meshproxy creates
        // them with their owner and lists them at 0 until used. No value differs.
        {"envoy.config.bootstrap.v3.Bootstrap.DeferredStatOptions",
         {"enable_deferred_creation_stats"}},
        // profile_path: where Envoy's /cpuprofiler writes; meshproxy has no CPU profiler endpoint,
        // so the path is never written.
        {"envoy.config.bootstrap.v3.Admin", {"profile_path"}},
    };
    f.merge(overloadSupportedFields());
    f.merge(statsConfigSupportedFields());
    f.merge(statsSinksSupportedFields());
    return f;
  }();
  return fields;
}

}  // namespace meshproxy::config
