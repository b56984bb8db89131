#pragma once

#include <functional>
#include <memory>

#include "proxy/core/buffer.h"
#include "proxy/network/connection.h"

namespace meshproxy {
struct WorkerContext;
namespace accesslog {
struct StreamInfo;
}
}  // namespace meshproxy

namespace meshproxy::network {

enum class FilterStatus { kContinue, kStopIteration };

// What a network filter can reach of the connection it serves.
class NetworkFilterCallbacks {
 public:
  virtual ~NetworkFilterCallbacks() = default;
  virtual Connection& connection() = 0;
  virtual WorkerContext& worker() = 0;
  // Connection-level facts for access logs (addresses, bytes, upstream host, ...).
  virtual accesslog::StreamInfo& streamInfo() = 0;
  // The listener (or this connection's filter chain) was replaced or removed: finish what is
  // in flight and let the connection end (HTTP answers with connection: close).
  virtual bool draining() const = 0;
  // The listener has bypass_overload_manager: the overload manager's actions do not apply.
  virtual bool bypassOverloadManager() const { return false; }
  // Resumes a chain that this filter stopped in onNewConnection (kStopIteration): the next
  // filters' onNewConnection run now, and data reaches them from here on. Network RBAC stops
  // the chain until the TLS handshake has told it who the peer is, so that a denied peer never
  // makes tcp_proxy open an upstream connection.
  virtual void continueNewConnection() = 0;
};

// A filter in a listener's filter chain, one instance per connection. Reads flow through
// the filters in order; a terminal filter (tcp_proxy, http_connection_manager) consumes them.
class NetworkFilter {
 public:
  virtual ~NetworkFilter() = default;
  virtual void initialize(NetworkFilterCallbacks& callbacks) = 0;
  // kStopIteration: the filters after this one are not started (and see no data) until this
  // one calls continueNewConnection(), if ever.
  virtual FilterStatus onNewConnection() { return FilterStatus::kContinue; }
  virtual FilterStatus onData(Buffer& data, bool end_stream) = 0;
  virtual void onEvent(ConnectionEvent event) {}
  // The connection began draining (listener update or removal, shutdown): a protocol that
  // can announce it does so now (HTTP/2 GOAWAY). The filter may close the connection.
  virtual void onDrain() {}
  // The downstream connection's write queue crossed its watermarks.
  virtual void onAboveWriteBufferHighWatermark() {}
  virtual void onBelowWriteBufferLowWatermark() {}
};

class FilterManager {
 public:
  virtual ~FilterManager() = default;
  virtual void addFilter(std::unique_ptr<NetworkFilter> filter) = 0;
};

// Made once per filter config at translation time; called for every new connection to add
// that connection's filter instance (Envoy's FilterFactoryCb).
using NetworkFilterFactory = std::function<void(FilterManager&)>;

}  // namespace meshproxy::network
