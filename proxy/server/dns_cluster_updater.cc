#include "proxy/server/dns_cluster_updater.h"

#include <netdb.h>

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "proxy/core/log.h"
#include "proxy/server/dns_ttl.h"

namespace meshproxy::server {

struct DnsClusterUpdater::Tracked {
  upstream::ClusterConfigSharedPtr cluster;
  // Lookups on libuv's thread pool, so that untrack() can cancel those not started yet.
  absl::flat_hash_set<Lookup*> in_flight;
  std::vector<std::vector<network::Address>> results;  // per target, last good answer
  std::unique_ptr<Timer> timer;
  std::function<void()> on_first;
  // respect_dns_ttl: per target, the TTL of the last answer (nullopt: not known).
  std::vector<std::optional<uint32_t>> ttls;
  size_t outstanding = 0;
  bool alive = true;
  std::string last_hosts_key;
};

// One lookup on libuv's thread pool: getaddrinfo, and with respect_dns_ttl the TTL query
// (dns_ttl.h). It owns a reference to its cluster entry so a lookup that finishes after
// untrack() finds `alive == false` instead of freed memory. The work callback writes only the
// result fields; the loop thread reads them in the after-work callback.
struct DnsClusterUpdater::Lookup {
  uv_work_t req;
  DnsClusterUpdater* self;
  std::shared_ptr<Tracked> tracked;
  size_t target_index;
  // Inputs, copied so the worker thread touches nothing shared.
  std::string name;
  uint32_t port;
  int family;
  bool want_ttl;
  // Results.
  int gai_status = 0;
  std::vector<network::Address> addresses;
  std::optional<uint32_t> ttl;
};

namespace {

void lookupWork(DnsClusterUpdater::Lookup& l);

}  // namespace

std::vector<network::Address> selectByFamily(const std::vector<network::Address>& all,
                                             upstream::DnsFamily family) {
  std::vector<network::Address> v4, v6;
  for (const auto& a : all) (a.family() == AF_INET6 ? v6 : v4).push_back(a);
  switch (family) {
    case upstream::DnsFamily::kV4Only: return v4;
    case upstream::DnsFamily::kV6Only: return v6;
    case upstream::DnsFamily::kAuto: return v6.empty() ? v4 : v6;
    case upstream::DnsFamily::kV4Preferred: return v4.empty() ? v6 : v4;
    case upstream::DnsFamily::kAll: {
      std::vector<network::Address> out = v4;
      out.insert(out.end(), v6.begin(), v6.end());
      return out;
    }
  }
  return {};
}

upstream::HostSharedPtr makeDnsHost(const network::Address& address,
                                    const upstream::DnsTarget& target) {
  auto host = std::make_shared<upstream::Host>(address, target.name, target.weight);
  host->setHealthCheckTarget(target.health_check);
  host->setMetadata(target.metadata, target.locality_metadata);
  return host;
}

DnsClusterUpdater::DnsClusterUpdater(uv_loop_t* loop, HostsChanged on_change)
    : loop_(loop), on_change_(std::move(on_change)) {}

namespace {
// A lookup still queued on the thread pool is cancelled (its callback comes with
// UV_ECANCELED); one already running cannot be, and finishes into `alive == false`.
template <typename Set>
void cancelQueued(const Set& lookups) {
  for (auto* lookup : lookups) uv_cancel(reinterpret_cast<uv_req_t*>(&lookup->req));
}
}  // namespace

DnsClusterUpdater::~DnsClusterUpdater() {
  for (auto& [name, t] : tracked_) {
    t->alive = false;
    t->timer.reset();
    cancelQueued(t->in_flight);
  }
}

void DnsClusterUpdater::track(const upstream::ClusterConfigSharedPtr& cluster,
                              std::function<void()> on_first) {
  untrack(cluster->name);
  auto t = std::make_shared<Tracked>();
  t->cluster = cluster;
  t->results.resize(cluster->dns_targets.size());
  t->ttls.resize(cluster->dns_targets.size());
  t->on_first = std::move(on_first);
  Tracked* raw = t.get();
  t->timer = std::make_unique<Timer>(loop_, [this, raw] { resolveAll(*raw); });
  tracked_[cluster->name] = t;
  resolveAll(*raw);
}

void DnsClusterUpdater::untrack(const std::string& cluster) {
  auto it = tracked_.find(cluster);
  if (it == tracked_.end()) return;
  it->second->alive = false;
  it->second->timer.reset();
  cancelQueued(it->second->in_flight);
  tracked_.erase(it);
}

void DnsClusterUpdater::resolveAll(Tracked& t) {
  const auto& targets = t.cluster->dns_targets;
  std::shared_ptr<Tracked> shared = tracked_[t.cluster->name];
  for (size_t i = 0; i < targets.size(); ++i) {
    auto* lookup = new Lookup{};
    lookup->self = this;
    lookup->tracked = shared;
    lookup->target_index = i;
    lookup->name = targets[i].name;
    lookup->port = targets[i].port;
    lookup->family = t.cluster->dns_family == upstream::DnsFamily::kV4Only   ? AF_INET
                     : t.cluster->dns_family == upstream::DnsFamily::kV6Only ? AF_INET6
                                                                             : AF_UNSPEC;
    lookup->want_ttl = t.cluster->respect_dns_ttl;
    lookup->req.data = lookup;
    ++t.outstanding;
    int rc = uv_queue_work(
        loop_, &lookup->req, [](uv_work_t* req) { lookupWork(*static_cast<Lookup*>(req->data)); },
        [](uv_work_t* req, int status) {
          auto* l = static_cast<Lookup*>(req->data);
          l->tracked->in_flight.erase(l);
          const bool ok = status == 0 && l->gai_status == 0;
          if (l->tracked->alive) {
            if (status == 0 && l->gai_status != 0) {
              log::warn("cluster {}: DNS lookup of {} failed: {}", l->tracked->cluster->name,
                        l->name, gai_strerror(l->gai_status));
            }
            if (ok) l->tracked->ttls[l->target_index] = l->ttl;
            l->self->onResolved(*l->tracked, l->target_index, std::move(l->addresses), ok);
          }
          delete l;
        });
    if (rc == 0) {
      t.in_flight.insert(lookup);
    } else {
      delete lookup;
      --t.outstanding;
      log::warn("cluster {}: cannot resolve {}: {}", t.cluster->name, targets[i].name,
                uv_strerror(rc));
    }
  }
  if (t.outstanding == 0) {
    if (t.on_first) {
      auto first = std::move(t.on_first);
      t.on_first = nullptr;
      first();
    }
    t.timer->enable(refreshDelay(t));
  }
}

void DnsClusterUpdater::onResolved(Tracked& t, size_t target_index,
                                   std::vector<network::Address> addresses, bool ok) {
  if (ok) t.results[target_index] = selectByFamily(addresses, t.cluster->dns_family);
  if (--t.outstanding > 0) return;
  // Round complete: rebuild the host list from every target's last good answer.
  upstream::HostVector hosts;
  std::string key;
  for (size_t i = 0; i < t.results.size(); ++i) {
    const auto& target = t.cluster->dns_targets[i];
    for (const auto& address : t.results[i]) {
      key += address.str() + "/" + std::to_string(target.weight) + ";";
      hosts.push_back(makeDnsHost(address, target));
      // LOGICAL_DNS: one logical host, at the first address of the answer (Envoy's
      // LogicalDnsCluster); new connections go to the latest first address.
      if (t.cluster->type == upstream::DiscoveryType::kLogicalDns) break;
    }
  }
  if (key != t.last_hosts_key) {
    t.last_hosts_key = key;
    log::info("cluster {}: DNS gives {} host(s)", t.cluster->name, hosts.size());
    on_change_(t.cluster->name, std::move(hosts));
  }
  if (t.on_first) {
    auto first = std::move(t.on_first);
    t.on_first = nullptr;
    first();
  }
  if (t.alive && t.timer) t.timer->enable(refreshDelay(t));
}

std::chrono::milliseconds DnsClusterUpdater::refreshDelay(const Tracked& t) {
  std::optional<uint32_t> ttl;
  for (const auto& one : t.ttls) {
    if (one && *one > 0) ttl = ttl ? std::min(*ttl, *one) : *one;
  }
  return nextDnsRefresh(t.cluster->dns_refresh_rate, t.cluster->respect_dns_ttl, ttl);
}

namespace {

void lookupWork(DnsClusterUpdater::Lookup& l) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = l.family;
  addrinfo* res = nullptr;
  l.gai_status = getaddrinfo(l.name.c_str(), nullptr, &hints, &res);
  if (l.gai_status != 0) return;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    auto address = network::Address::fromSockaddr(a->ai_addr);
    address.setPort(l.port);
    if (std::find(l.addresses.begin(), l.addresses.end(), address) == l.addresses.end()) {
      l.addresses.push_back(address);
    }
  }
  freeaddrinfo(res);
  if (l.want_ttl) {
    l.ttl = queryAddressTtl(l.name, l.family != AF_INET6, l.family != AF_INET);
  }
}

}  // namespace

}  // namespace meshproxy::server
