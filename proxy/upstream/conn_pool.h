#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string_view>
#include <vector>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/http/codec.h"
#include "proxy/network/connection.h"
#include "proxy/upstream/cluster_config.h"

namespace meshproxy::upstream {

enum class PoolFailureReason { kConnectionFailure, kConnectTimeout, kOverflow };

// A stream the pool handed out: the router writes the request through encoder() and hears
// the response on the decoder it gave to newStream().
class PooledStream {
 public:
  virtual ~PooledStream() = default;
  virtual http::RequestEncoder& encoder() = 0;
  virtual const Host& host() const = 0;
  virtual const network::Connection& connection() const = 0;
  // The router is done with the stream before the exchange completed: the connection
  // cannot be reused (HTTP/1) and closes.
  virtual void reset() = 0;
};

class PoolCallbacks {
 public:
  virtual ~PoolCallbacks() = default;
  virtual void onPoolReady(PooledStream& stream) = 0;
  virtual void onPoolFailure(PoolFailureReason reason, std::string_view details) = 0;
};

// Cancels a request still waiting for a connection.
class PendingRequestHandle {
 public:
  virtual ~PendingRequestHandle() = default;
  virtual void cancel() = 0;
};

// HTTP/1.1 connections to one host, on one worker. Keep-alive connections are reused; one
// request at a time per connection; a connection retires after max_requests_per_connection
// requests or idle_timeout without use.
class Http1ConnPool {
 public:
  Http1ConnPool(EventLoop& loop, HostSharedPtr host, ClusterConfigSharedPtr cluster);
  ~Http1ConnPool();
  Http1ConnPool(const Http1ConnPool&) = delete;
  Http1ConnPool& operator=(const Http1ConnPool&) = delete;

  // Calls callbacks.onPoolReady now (an idle connection was available) or later, or
  // onPoolFailure. Returns a handle while the request waits, else nullptr.
  PendingRequestHandle* newStream(http::ResponseDecoder& decoder, PoolCallbacks& callbacks);
  // A newer cluster config (same host): new connections use its settings.
  void updateCluster(ClusterConfigSharedPtr cluster) { cluster_ = std::move(cluster); }
  const Host& host() const { return *host_; }
  size_t connectionCount() const { return clients_.size(); }
  size_t pendingCount() const { return pending_.size(); }

 private:
  class ActiveClient;
  class PendingRequest;
  friend class ActiveClient;
  friend class PendingRequest;

  void createClient();
  void attach(ActiveClient& client, http::ResponseDecoder& decoder, PoolCallbacks& callbacks);
  void onClientConnected(ActiveClient& client);
  void onClientConnectFailed(ActiveClient& client, PoolFailureReason reason);
  void onClientIdle(ActiveClient& client);
  void onClientClosed(ActiveClient& client);
  void servePending();

  EventLoop& loop_;
  HostSharedPtr host_;
  ClusterConfigSharedPtr cluster_;
  std::list<std::unique_ptr<ActiveClient>> clients_;
  // Idle connections, most recently used last: reuse is O(1) and prefers warm connections.
  std::vector<ActiveClient*> idle_;
  std::list<std::unique_ptr<PendingRequest>> pending_;
  size_t connecting_ = 0;
};

}  // namespace meshproxy::upstream
