#include "proxy/server/snapshot_builder.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace meshproxy::server {

namespace {
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
  health_changed_.clear();  // what is left names clusters that are gone
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
  } else if (base->resolvesDns()) {
    auto it = dns_hosts.find(base->name);
    hosts = it == dns_hosts.end() ? &kNoHosts : &it->second;
  }
  Effective& e = effective_[name];
  const upstream::HostVector& current = e.effective != nullptr ? e.effective->hosts : kNoHosts;
  bool health_checked = !base->health_checks.empty();
  // With active health checks, a host discovery removed stays while it passes them (Envoy),
  // unless ignore_health_on_host_removal; it goes with the first build after it failed.
  upstream::HostVector with_kept;
  if (health_checked && !base->ignore_health_on_host_removal) {
    absl::flat_hash_set<std::string> incoming;
    for (const auto& host : *hosts) incoming.insert(host->address().str());
    for (const auto& host : current) {
      if (incoming.contains(host->address().str()) ||
          host->healthFlag(upstream::HealthFlag::kFailedActiveHc)) {
        continue;
      }
      if (with_kept.empty()) with_kept = *hosts;
      with_kept.push_back(host);
    }
    if (!with_kept.empty()) hosts = &with_kept;
  }
  // Endpoints that stay keep their Host objects (health state, and the workers' pools), also
  // when CDS replaces the cluster or DNS answers again.
  upstream::ReconciledHosts reconciled = upstream::reconcileHosts(current, *hosts);
  bool health_changed = health_changed_.erase(name) > 0;
  if (e.effective != nullptr && e.base == base && !reconciled.changed && !health_changed) {
    return e.effective;
  }
  if (health_checked) {
    // Envoy: a new host is not used until its first health check passes.
    absl::flat_hash_set<const upstream::Host*> known;
    for (const auto& host : current) known.insert(host.get());
    for (const auto& host : reconciled.hosts) {
      if (!known.contains(host.get())) host->setHealthFlag(upstream::HealthFlag::kFailedActiveHc);
    }
  }
  // A health change needs a new object even when the hosts are the same: workers rebuild a
  // cluster only when its config pointer changes.
  if (reconciled.hosts == base->hosts && !(health_changed && e.effective == base)) {
    e.effective = base;  // a static cluster's own, new hosts
  } else {
    auto copy = std::make_shared<upstream::ClusterConfig>(*base);
    copy->hosts = std::move(reconciled.hosts);
    e.effective = std::move(copy);
  }
  e.base = base;
  e.effective->stats->membership_total.set(static_cast<int64_t>(e.effective->hosts.size()));
  e.effective->stats->membership_healthy.set(static_cast<int64_t>(
      std::count_if(e.effective->hosts.begin(), e.effective->hosts.end(),
                    [](const upstream::HostSharedPtr& host) { return host->healthy(); })));
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
