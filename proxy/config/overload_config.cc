#include "proxy/config/overload_config.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.pb.h"
#include "envoy/extensions/resource_monitors/fixed_heap/v3/fixed_heap.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::config {
namespace {

using envoy::extensions::resource_monitors::downstream_connections::v3::DownstreamConnectionsConfig;
using envoy::extensions::resource_monitors::fixed_heap::v3::FixedHeapConfig;

constexpr char kTypePrefix[] = "type.googleapis.com/";

absl::StatusOr<OverloadConfig::ResourceMonitor> translateMonitor(
    const envoy::config::overload::v3::ResourceMonitor& proto, const std::string& where) {
  OverloadConfig::ResourceMonitor monitor;
  monitor.name = proto.name();
  if (monitor.name.empty())
    return absl::InvalidArgumentError(absl::StrCat(where, ": name is empty"));
  const std::string& url = proto.typed_config().type_url();
  if (url == absl::StrCat(kTypePrefix, FixedHeapConfig::descriptor()->full_name())) {
    auto config = protobuf::unpackAny<FixedHeapConfig>(proto.typed_config(), where);
    if (!config.ok()) return config.status();
    if (config->max_heap_size_bytes() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": max_heap_size_bytes must be > 0"));
    }
    monitor.kind = OverloadConfig::Monitor::kFixedHeap;
    monitor.max = config->max_heap_size_bytes();
    return monitor;
  }
  if (url == absl::StrCat(kTypePrefix, DownstreamConnectionsConfig::descriptor()->full_name())) {
    auto config = protobuf::unpackAny<DownstreamConnectionsConfig>(proto.typed_config(), where);
    if (!config.ok()) return config.status();
    if (config->max_active_downstream_connections() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": max_active_downstream_connections must be > 0"));
    }
    monitor.kind = OverloadConfig::Monitor::kDownstreamConnections;
    monitor.max = static_cast<uint64_t>(config->max_active_downstream_connections());
    return monitor;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported extension '", proto.name(), "' (", url, ") at ", where));
}

std::optional<OverloadConfig::Action> actionByName(const std::string& name) {
  if (name == "envoy.overload_actions.stop_accepting_requests") {
    return OverloadConfig::Action::kStopAcceptingRequests;
  }
  if (name == "envoy.overload_actions.stop_accepting_connections" ||
      name == "envoy.overload_actions.reject_incoming_connections") {
    return OverloadConfig::Action::kStopAcceptingConnections;
  }
  if (name == "envoy.overload_actions.disable_http_keepalive") {
    return OverloadConfig::Action::kDisableHttpKeepalive;
  }
  if (name == "envoy.overload_actions.shrink_heap") return OverloadConfig::Action::kShrinkHeap;
  return std::nullopt;
}

}  // namespace

absl::StatusOr<OverloadConfig> translateOverloadManager(
    const envoy::config::overload::v3::OverloadManager& proto) {
  OverloadConfig config;
  if (proto.has_refresh_interval()) {
    config.refresh_interval = protobuf::toMilliseconds(proto.refresh_interval());
    if (config.refresh_interval.count() < 1) {
      return absl::InvalidArgumentError("overload_manager.refresh_interval must be >= 1ms");
    }
  }
  if (proto.resource_monitors_size() == 0) {
    // Envoy's rule (min_items: 1).
    return absl::InvalidArgumentError("overload_manager.resource_monitors: at least one is needed");
  }
  absl::flat_hash_set<std::string> monitor_names;
  bool has_connections_monitor = false;
  for (int i = 0; i < proto.resource_monitors_size(); ++i) {
    const std::string where = absl::StrCat("overload_manager.resource_monitors[", i, "]");
    auto monitor = translateMonitor(proto.resource_monitors(i), where);
    if (!monitor.ok()) return monitor.status();
    if (!monitor_names.insert(monitor->name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": duplicate resource monitor '", monitor->name, "'"));
    }
    if (monitor->kind == OverloadConfig::Monitor::kDownstreamConnections) {
      if (has_connections_monitor) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": only one downstream connections monitor is allowed"));
      }
      has_connections_monitor = true;
    }
    config.monitors.push_back(std::move(*monitor));
  }
  absl::flat_hash_set<std::string> action_names;
  for (int i = 0; i < proto.actions_size(); ++i) {
    const auto& a = proto.actions(i);
    const std::string where = absl::StrCat("overload_manager.actions[", i, "] '", a.name(), "'");
    auto action = actionByName(a.name());
    if (!action) {
      // reduce_timeouts and reset_high_memory_stream among them.
      return absl::InvalidArgumentError(
          absl::StrCat(where,
                       ": unsupported overload action (meshproxy implements "
                       "stop_accepting_requests, stop_accepting_connections, "
                       "reject_incoming_connections, disable_http_keepalive, shrink_heap)"));
    }
    if (!action_names.insert(a.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate action"));
    }
    if (a.triggers_size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": needs at least one trigger"));
    }
    OverloadConfig::OverloadAction out{a.name(), *action, {}};
    absl::flat_hash_set<std::string> trigger_monitors;
    for (const auto& t : a.triggers()) {
      if (!monitor_names.contains(t.name())) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": trigger names unknown resource monitor '", t.name(), "'"));
      }
      if (!trigger_monitors.insert(t.name()).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": two triggers for resource monitor '", t.name(), "'"));
      }
      if (!t.has_threshold()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": trigger '", t.name(), "' needs a threshold"));
      }
      double value = t.threshold().value();
      if (value < 0 || value > 1) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": threshold value must be in [0, 1]"));
      }
      out.triggers.push_back({t.name(), value});
    }
    config.actions.push_back(std::move(out));
  }
  return config;
}

const protobuf::SupportedFields& overloadSupportedFields() {
  static const protobuf::SupportedFields fields = {
      {"envoy.config.bootstrap.v3.Bootstrap", {"overload_manager"}},
      {"envoy.config.overload.v3.OverloadManager",
       {"refresh_interval", "resource_monitors", "actions"}},
      // typed_config: the monitor by type URL, above.
      {"envoy.config.overload.v3.ResourceMonitor", {"name", "typed_config"}},
      {"envoy.config.overload.v3.OverloadAction", {"name", "triggers"}},
      // scaled: a partial action (a share of connections, scaled timers) is not implemented.
      {"envoy.config.overload.v3.Trigger", {"name", "threshold"}},
      {"envoy.config.overload.v3.ThresholdTrigger", {"value"}},
  };
  return fields;
}

}  // namespace meshproxy::config
