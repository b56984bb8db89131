#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/network/transport_socket.h"
#include "proxy/stats/scope.h"

namespace envoy::config::core::v3 {
class TransportSocket;
}

namespace meshproxy::config {

enum class TransportSide { kDownstream, kUpstream };

// A filter chain's or a cluster's `transport_socket`: envoy.transport_sockets.tls
// (DownstreamTlsContext on listeners, UpstreamTlsContext on clusters) or
// envoy.transport_sockets.raw_buffer. Returns null for raw. `owner_scope` is the listener's
// or cluster's stats scope (ssl.* hangs off it); the SDS secrets the context needs are
// appended to `secrets`. The TLS context is built now from files/inline data and from the
// secrets the context's SecretManager already has; without them it waits (warming).
absl::StatusOr<network::TransportSocketFactorySharedPtr> translateTransportSocket(
    const envoy::config::core::v3::TransportSocket& proto, TransportSide side,
    const stats::Scope& owner_scope, TranslationContext& context,
    std::vector<std::string>* secrets, const std::string& owner);

}  // namespace meshproxy::config
