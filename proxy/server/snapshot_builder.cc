#include "proxy/server/snapshot_builder.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace meshproxy::server {

namespace {
bool sameHosts(const upstream::HostVector& a, const upstream::HostVector& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i]->address == b[i]->address) || a[i]->weight != b[i]->weight) return false;
  }
  return true;
}

template <typename Map, typename Same>
void diffMaps(const Map& before, const Map& after, Same same, NameDiff& out) {
  for (const auto& [name, value] : after) {
    auto it = before.find(name);
    if (it == before.end()) {
      out.added.push_back(name);
    } else if (!same(it->second, value)) {
      out.changed.push_back(name);
    }
  }
  for (const auto& [name, value] : before) {
    if (!after.contains(name)) out.removed.push_back(name);
  }
  for (auto* names : {&out.added, &out.changed, &out.removed})
    std::sort(names->begin(), names->end());
}
}  // namespace

config::SnapshotSharedPtr SnapshotBuilder::build(const ResourceStores& stores,
                                                 const DnsHosts& dns_hosts) {
  auto snapshot = std::make_shared<config::Snapshot>();
  snapshot->version = ++version_;
  absl::flat_hash_set<std::string> active_clusters;
  for (const auto& [name, slot] : stores.clusters.slots()) {
    if (!slot.active) continue;
    active_clusters.insert(name);
    snapshot->clusters.emplace(name, effective(name, slot.active->value, stores, dns_hosts));
  }
  absl::erase_if(effective_, [&](const auto& kv) { return !active_clusters.contains(kv.first); });
  for (const auto& [name, slot] : stores.listeners.slots()) {
    if (slot.active) snapshot->listeners.push_back(slot.active->value);
  }
  for (const auto& [name, slot] : stores.routes.slots()) {
    if (slot.active) snapshot->routes.tables.emplace(name, slot.active->value);
  }
  diff(*snapshot);
  previous_ = snapshot;
  return snapshot;
}

const upstream::ClusterConfigSharedPtr& SnapshotBuilder::effective(
    const std::string& name, const upstream::ClusterConfigSharedPtr& base,
    const ResourceStores& stores, const DnsHosts& dns_hosts) {
  static const upstream::HostVector kNoHosts;
  const upstream::HostVector* hosts = &base->hosts;
  if (base->type == upstream::DiscoveryType::kEds) {
    const auto* assignment = stores.endpoints.active(base->eds_service_name);
    hosts = assignment == nullptr ? &kNoHosts : &assignment->value;
  } else if (base->type == upstream::DiscoveryType::kStrictDns) {
    auto it = dns_hosts.find(base->name);
    hosts = it == dns_hosts.end() ? &kNoHosts : &it->second;
  }
  Effective& e = effective_[name];
  if (e.effective != nullptr && e.base == base && sameHosts(e.effective->hosts, *hosts)) {
    return e.effective;
  }
  if (hosts == &base->hosts) {
    e.effective = base;
  } else {
    auto copy = std::make_shared<upstream::ClusterConfig>(*base);
    copy->hosts = *hosts;
    e.effective = std::move(copy);
  }
  e.base = base;
  e.effective->stats->membership_total.set(static_cast<int64_t>(e.effective->hosts.size()));
  return e.effective;
}

void SnapshotBuilder::diff(const config::Snapshot& next) {
  diff_ = {};
  static const config::Snapshot kEmpty;
  const config::Snapshot& before = previous_ != nullptr ? *previous_ : kEmpty;
  diffMaps(
      before.clusters, next.clusters, [](const auto& a, const auto& b) { return a == b; },
      diff_.clusters);
  diffMaps(
      before.routes.tables, next.routes.tables, [](const auto& a, const auto& b) { return a == b; },
      diff_.routes);
  absl::flat_hash_map<std::string, config::ListenerHandle> listeners_before, listeners_after;
  for (const auto& h : before.listeners) listeners_before.emplace(h.config->name, h);
  for (const auto& h : next.listeners) listeners_after.emplace(h.config->name, h);
  diffMaps(
      listeners_before, listeners_after,
      [](const config::ListenerHandle& a, const config::ListenerHandle& b) {
        return a.config == b.config && a.sockets == b.sockets;
      },
      diff_.listeners);
}

}  // namespace meshproxy::server
