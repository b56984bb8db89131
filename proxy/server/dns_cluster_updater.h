#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "proxy/core/timer.h"
#include "proxy/upstream/cluster_config.h"

namespace meshproxy::server {

// Keeps STRICT_DNS and LOGICAL_DNS clusters' hosts current (main thread): resolves every
// target name with getaddrinfo on libuv's thread pool (so the loop never blocks) each
// dns_refresh_rate (with respect_dns_ttl: at the smallest TTL of the last answers, dns_ttl.h), and
// reports the cluster's new host list whenever the answer changes (LOGICAL_DNS: the first address
// only). Like Envoy, a failed lookup keeps the last good hosts of that name.
class DnsClusterUpdater {
 public:
  // Called with the cluster name and its complete new host list.
  using HostsChanged = std::function<void(const std::string& cluster, upstream::HostVector hosts)>;

  DnsClusterUpdater(uv_loop_t* loop, HostsChanged on_change);
  ~DnsClusterUpdater();

  // Starts (or restarts) resolving a cluster. `on_first` runs once after the first round
  // for that cluster has finished, successful or not.
  void track(const upstream::ClusterConfigSharedPtr& cluster, std::function<void()> on_first);
  void untrack(const std::string& cluster);

  struct Lookup;  // public for the thread-pool callback; defined in the .cc

 private:
  struct Tracked;
  static std::chrono::milliseconds refreshDelay(const Tracked& t);
  void resolveAll(Tracked& t);
  void onResolved(Tracked& t, size_t target_index, std::vector<network::Address> addresses, bool ok);

  uv_loop_t* loop_;
  HostsChanged on_change_;
  absl::flat_hash_map<std::string, std::shared_ptr<Tracked>> tracked_;
};

// The host for one address a target resolved to, with the endpoint's health check target.
upstream::HostSharedPtr makeDnsHost(const network::Address& address,
                                    const upstream::DnsTarget& target);

// Addresses in the order a lookup family prefers (AUTO: IPv6 if any, else IPv4).
std::vector<network::Address> selectByFamily(const std::vector<network::Address>& all,
                                             upstream::DnsFamily family);

}  // namespace meshproxy::server
