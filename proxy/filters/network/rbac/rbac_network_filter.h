#pragma once

#include <memory>
#include <string>

#include "proxy/filters/common/rbac/rbac_filter_config.h"
#include "proxy/network/filter.h"

namespace meshproxy::filters::rbac {

// envoy.extensions.filters.network.rbac.v3.RBAC, translated.
struct RbacNetworkConfig {
  std::shared_ptr<const RbacFilterConfig> filter;
  // enforcement_type CONTINUOUS: every read is checked again (ONE_TIME_ON_FIRST_BYTE: once).
  bool continuous = false;
};

// envoy.filters.network.rbac: allows or closes a connection by its peer (SPIFFE ID of the client
// certificate, addresses) and what it asked for (destination address and port, SNI).
//
// When it decides: a plaintext connection is checked in onNewConnection. A TLS connection stops
// the chain there and is checked once the handshake is done (kConnected), when the peer
// certificate is known; the filters after it (tcp_proxy, http_connection_manager) start only if
// it is allowed, so a denied peer never causes an upstream connection. Envoy checks on the
// first byte instead; the decision is the same, it is only made earlier (a client that sends
// nothing is still decided, and a server-first upstream never talks to a denied client).
//
// A denied connection is closed without flushing; its access log (tcp_proxy's) carries
// connection_termination_details "rbac_access_denied_matched_policy[<policy>|none]".
class RbacNetworkFilter : public network::NetworkFilter {
 public:
  explicit RbacNetworkFilter(std::shared_ptr<const RbacNetworkConfig> config)
      : config_(std::move(config)) {}

  void initialize(network::NetworkFilterCallbacks& callbacks) override { callbacks_ = &callbacks; }
  network::FilterStatus onNewConnection() override;
  network::FilterStatus onData(Buffer& data, bool end_stream) override;
  void onEvent(network::ConnectionEvent event) override;

 private:
  // Evaluates and closes the connection when denied; true when allowed.
  bool check();

  std::shared_ptr<const RbacNetworkConfig> config_;
  network::NetworkFilterCallbacks* callbacks_ = nullptr;
  bool waiting_for_handshake_ = false;
  bool denied_ = false;
  std::string termination_details_;  // what streamInfo().connection_termination_details views
};

}  // namespace meshproxy::filters::rbac
