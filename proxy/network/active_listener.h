#pragma once

#include <uv.h>

#include <list>
#include <memory>
#include <vector>

#include "proxy/accesslog/stream_info.h"
#include "proxy/core/worker_context.h"
#include "proxy/network/accept_poller.h"
#include "proxy/network/connection.h"
#include "proxy/network/filter.h"
#include "proxy/network/listen_socket.h"
#include "proxy/network/listener_config.h"
#include "proxy/network/pending_connection.h"

namespace meshproxy::network {

class ActiveListener;

// Open downstream connections over all workers and listeners (for the shutdown drain).
uint64_t activeConnectionCount();

// A downstream connection and its filter chain, from accept to close. Owned by its listener.
class ActiveConnection : public ConnectionCallbacks,
                         public NetworkFilterCallbacks,
                         public FilterManager,
                         public DeferredDeletable {
 public:
  ActiveConnection(ActiveListener& listener, std::shared_ptr<const ListenerConfig> config,
                   std::unique_ptr<Connection> connection);
  ~ActiveConnection() override;

  void start(const FilterChain& chain);

  // ConnectionCallbacks
  void onData(Buffer& data, bool end_stream) override;
  void onEvent(ConnectionEvent event) override;
  void onAboveWriteBufferHighWatermark() override;
  void onBelowWriteBufferLowWatermark() override;
  // NetworkFilterCallbacks
  Connection& connection() override { return *connection_; }
  WorkerContext& worker() override;
  accesslog::StreamInfo& streamInfo() override { return stream_info_; }
  bool draining() const override { return drain_deadline_ms_ != 0; }
  // FilterManager
  void addFilter(std::unique_ptr<NetworkFilter> filter) override;

  std::list<std::unique_ptr<ActiveConnection>>::iterator position;
  void startDraining(uint64_t deadline_ms) {
    if (drain_deadline_ms_ == 0) drain_deadline_ms_ = deadline_ms;
  }
  uint64_t drainDeadlineMs() const { return drain_deadline_ms_; }

 private:
  ActiveListener& listener_;
  // The config this connection was accepted with; a listener update does not change it.
  std::shared_ptr<const ListenerConfig> config_;
  uint64_t drain_deadline_ms_ = 0;
  std::unique_ptr<Connection> connection_;
  std::vector<std::unique_ptr<NetworkFilter>> filters_;
  accesslog::StreamInfo stream_info_;
  bool closed_ = false;
};

// One listener on one worker: accepts on this worker's SO_REUSEPORT socket and owns the
// connections it accepted. A removed (or drained) listener stops accepting but lives on
// until its last connection is gone.
class ActiveListener {
 public:
  ActiveListener(WorkerContext& worker, std::shared_ptr<const ListenerConfig> config,
                 std::shared_ptr<ListenSockets> sockets);
  ~ActiveListener();
  ActiveListener(const ActiveListener&) = delete;
  ActiveListener& operator=(const ActiveListener&) = delete;

  // Takes this worker's socket and starts accepting. False if the socket is unusable.
  bool start();
  void stopAccepting();
  // In-place update (same address): new connections get `config`; existing ones drain.
  void updateConfig(std::shared_ptr<const ListenerConfig> config, uint64_t drain_deadline_ms);
  // Every open connection drains and is closed at the deadline (loop time, ms).
  void drainConnections(uint64_t drain_deadline_ms);
  // Closes draining connections whose deadline passed.
  void closeExpired(uint64_t now_ms);
  // Closes every connection now (shutdown after the drain period).
  void closeAllConnections();
  size_t connectionCount() const { return connections_.size() + pending_.size(); }
  bool accepting() const { return acceptor_ != nullptr; }

  const ListenerConfig& config() const { return *config_; }
  const std::shared_ptr<ListenSockets>& sockets() const { return sockets_; }
  WorkerContext& worker() { return worker_; }
  void removeConnection(ActiveConnection& connection);

  // A connection another listener (use_original_dst) hands over; it runs this listener's
  // listener filters and filter chains as if accepted here.
  void adoptConnection(std::unique_ptr<Connection> connection);
  // From PendingConnection: the listener filters are done (ok) or the connection must close.
  void onListenerFiltersDone(PendingConnection& pending, bool ok);
  // From PendingConnection: the connection closed while the filters ran.
  void onPendingClosed(PendingConnection& pending);

 private:
  void onAccepted(int fd);
  void onNewConnection(std::unique_ptr<Connection> connection);
  // Picks the filter chain and starts the connection on it, or closes it if none matches.
  void startOnFilterChain(std::unique_ptr<Connection> connection,
                          const PendingConnection* detected);
  std::unique_ptr<PendingConnection> removePending(PendingConnection& pending);
  // use_original_dst: the listener of the connection's original destination, if another.
  ActiveListener* handoffTarget(const Connection& connection);
  void closePending();

  WorkerContext& worker_;
  std::shared_ptr<const ListenerConfig> config_;
  std::shared_ptr<ListenSockets> sockets_;
  // This worker's socket; backs off on descriptor exhaustion instead of spinning.
  std::unique_ptr<AcceptPoller> acceptor_;
  std::list<std::unique_ptr<ActiveConnection>> connections_;
  // Connections whose listener filters are still running.
  std::list<std::unique_ptr<PendingConnection>> pending_;
  uint64_t pending_drain_deadline_ms_ = 0;
};

}  // namespace meshproxy::network
