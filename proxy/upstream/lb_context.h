#pragma once

#include <cstdint>
#include <optional>

#include "absl/container/inlined_vector.h"
#include "proxy/upstream/host.h"

namespace meshproxy {
namespace http {
class HeaderMap;
}
namespace network {
class Connection;
}
}  // namespace meshproxy

namespace meshproxy::upstream {

// What a load balancer may consider when it picks a host for one request or connection
// (Envoy's LoadBalancerContext). The router and tcp_proxy implement the parts they know;
// every default means "nothing to say".
class LbContext {
 public:
  virtual ~LbContext() = default;

  // The request's hash (route hash_policy) for RING_HASH / MAGLEV; nullopt: none.
  virtual std::optional<uint64_t> hashKey() const { return std::nullopt; }
  // The connection the pick is for: ORIGINAL_DST takes its restored destination, source-IP
  // hashing its peer. Null when there is none (health checks, async clients).
  virtual const network::Connection* downstreamConnection() const { return nullptr; }
  // The request headers (ORIGINAL_DST's use_http_header, header hashing). Null for TCP.
  virtual const http::HeaderMap* downstreamHeaders() const { return nullptr; }

  // Retries: a host the pick should avoid. The cluster front end picks again, up to
  // hostSelectionRetryCount() more times, while this says so, then takes the last pick
  // (Envoy's semantics: avoiding is best effort, never a failure). The default is Envoy's
  // previous_hosts predicate: avoid the hosts earlier attempts used.
  virtual bool shouldSelectAnotherHost(const Host& host) const { return tried(host); }
  virtual uint32_t hostSelectionRetryCount() const { return host_selection_retry_count_; }

  // The hosts earlier attempts of this request used (the router adds one per attempt).
  void addTriedHost(const Host& host) { tried_hosts_.push_back(&host); }
  bool tried(const Host& host) const {
    for (const Host* h : tried_hosts_) {
      if (h == &host) return true;
    }
    return false;
  }
  const absl::InlinedVector<const Host*, 2>& triedHosts() const { return tried_hosts_; }
  // Extra picks allowed to avoid tried hosts (retry_policy.host_selection_retry_max_attempts).
  void setHostSelectionRetryCount(uint32_t count) { host_selection_retry_count_ = count; }

 private:
  // Host objects are stable for as long as the attempt's pins keep them (see
  // worker_cluster.h), so identity is the pointer.
  absl::InlinedVector<const Host*, 2> tried_hosts_;
  uint32_t host_selection_retry_count_ = 0;
};

}  // namespace meshproxy::upstream
