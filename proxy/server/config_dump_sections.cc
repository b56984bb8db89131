#include "proxy/server/config_dump_sections.h"

#include "proxy/tls/secret_manager.h"
#include "xds/client/type_urls.h"
#include "xds/client/xds_manager.h"

namespace meshproxy::server {

namespace {
template <typename Entry>
admin::DumpedResource dumped(const Entry& entry) {
  return {.proto = &entry.proto,
          .version = entry.meta.version,
          .last_updated = entry.meta.last_updated};
}

template <typename Store>
std::vector<admin::DumpedResource> active(const Store& store) {
  std::vector<admin::DumpedResource> out;
  for (const auto& [name, slot] : store.slots()) {
    if (slot.active) out.push_back(dumped(*slot.active));
  }
  return out;
}
}  // namespace

admin::ConfigDumpSections configDumpSections(
    const ResourceStores& stores, const envoy::config::bootstrap::v3::Bootstrap& bootstrap,
    const xds::XdsManager* xds, const tls::SecretManager* secrets) {
  admin::ConfigDumpSections d;
  d.bootstrap = &bootstrap;
  if (xds != nullptr) {
    d.clusters_version = xds->acceptedVersion(xds::kClusterType);
    d.listeners_version = xds->acceptedVersion(xds::kListenerType);
  }
  for (const auto& [name, slot] : stores.clusters.slots()) {
    if (slot.active) {
      (slot.active->meta.dynamic ? d.dynamic_active_clusters : d.static_clusters)
          .push_back(dumped(*slot.active));
    }
    if (slot.warming) d.dynamic_warming_clusters.push_back(dumped(slot.warming->entry));
  }
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [name, slot] : stores.listeners.slots()) {
    if (slot.active && !slot.active->meta.dynamic) {
      d.static_listeners.push_back(dumped(*slot.active));
      continue;
    }
    admin::DumpedListener l{.name = name};
    if (slot.active) l.active = dumped(*slot.active);
    if (slot.warming) l.warming = dumped(slot.warming->entry);
    if (slot.draining && slot.draining->until > now) l.draining = dumped(*slot.draining);
    if (l.active || l.warming || l.draining) d.dynamic_listeners.push_back(l);
  }
  d.dynamic_route_configs = active(stores.routes);
  d.dynamic_endpoint_configs = active(stores.endpoints);
  for (const auto& [name, slot] : stores.secrets.slots()) {
    if (!slot.active) continue;
    d.dynamic_active_secrets.push_back({.name = name,
                                        .secret = &slot.active->proto,
                                        .version = slot.active->meta.version,
                                        .last_updated = slot.active->meta.last_updated});
  }
  for (const auto& name : wantedNames(stores).secrets) {
    if (stores.secrets.hasActive(name) || (secrets != nullptr && secrets->hasSecret(name)))
      continue;
    d.dynamic_warming_secrets.push_back(name);
  }
  return d;
}

}  // namespace meshproxy::server
