#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string_view>
#include <vector>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/upstream/conn_pool.h"

namespace meshproxy::upstream {

// What every pool does whatever the protocol: count the streams each connection can still
// take (its concurrent-stream limit, and what is left of max_requests_per_connection), hand
// a new stream to a ready connection or queue it, open connections for what the connecting
// ones cannot carry, fail the oldest waiting request when a connect fails, close connections
// that idle out, ran out of requests or were drained. HTTP/1 is a limit of 1 stream per
// connection; HTTP/2 starts at its configured max_concurrent_streams and follows the peer's
// SETTINGS_MAX_CONCURRENT_STREAMS.
class ConnPoolBase : public ConnPool {
 public:
  ConnPoolBase(EventLoop& loop, HostSharedPtr host, ClusterConfigSharedPtr cluster, PoolKey key);
  ~ConnPoolBase() override;
  ConnPoolBase(const ConnPoolBase&) = delete;
  ConnPoolBase& operator=(const ConnPoolBase&) = delete;

  void newStream(http::ResponseDecoder& decoder, PoolCallbacks& callbacks,
                 PoolHandle& handle) override;
  const PoolKey& key() const override { return key_; }
  const Host& host() const override { return *host_; }
  void updateCluster(ClusterConfigSharedPtr cluster) override { cluster_ = std::move(cluster); }
  void drainConnections() override;
  void closeIdleConnections() override;
  size_t connectionCount() const override { return clients_.size(); }
  size_t pendingCount() const override { return pending_.size(); }

  // One connection. The protocol's subclass owns the socket, the codec and the streams, and
  // reports to the pool (onConnected ... onClosed); the pool decides what it carries.
  class ActiveClient : public DeferredDeletable {
   public:
    ActiveClient(ConnPoolBase& pool, uint32_t concurrent_stream_limit);
    ~ActiveClient() override;

    // Streams it can start now.
    uint64_t capacity() const;
    uint32_t activeStreams() const { return active_streams_; }

   protected:
    // Starts a stream for `decoder`, binds `handle` to it and calls callbacks.onPoolReady.
    virtual void startStream(http::ResponseDecoder& decoder, PoolHandle& handle,
                             PoolCallbacks& callbacks) = 0;
    // Closes the connection now; the subclass reports onClosed.
    virtual void close() = 0;

    ConnPoolBase& pool_;

   private:
    friend class ConnPoolBase;
    enum class State { kConnecting, kReady, kBusy, kClosed };

    State state_ = State::kConnecting;
    bool draining_ = false;  // takes no new streams; closes when its streams are done
    uint32_t concurrent_limit_;
    uint32_t active_streams_ = 0;
    uint64_t remaining_streams_;        // max_requests_per_connection left; UINT64_MAX: no limit
    uint64_t connecting_capacity_ = 0;  // what it adds to the pool's while connecting
    bool in_ready_ = false;
    ClusterResourcesSharedPtr resources_;
    ResourcePriority priority_;
    std::unique_ptr<Timer> idle_timer_;
    std::list<std::unique_ptr<ActiveClient>>::iterator position_;
  };

 protected:
  virtual std::unique_ptr<ActiveClient> instantiateClient() = 0;

  // Reports from the protocol's client.
  void onConnected(ActiveClient& client);
  void onConnectFailed(ActiveClient& client, PoolFailureReason reason, std::string_view details);
  // The connect attempt failed or timed out: counts it and reports it as onConnectFailed does,
  // `transport_failure` (the TLS reason, if any) as the details.
  void onConnectAttemptFailed(ActiveClient& client, bool timeout,
                              std::string_view transport_failure);
  // An established connection closed: its share of the cluster's connection stats.
  void countEstablishedClose(uint64_t bytes_written);
  // One of the client's streams ended; `reusable`: the connection can carry another.
  void onStreamDone(ActiveClient& client, bool reusable);
  void onClosed(ActiveClient& client);
  // Multiplexed protocols: the peer changed how many streams the connection takes at once
  // (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS), or refuses new ones (GOAWAY: the connection
  // drains, closing when its streams are done, and waiting requests get another one).
  void onConcurrentStreamLimit(ActiveClient& client, uint32_t limit);
  void onGoAway(ActiveClient& client);

  const ClusterConfig& cluster() const { return *cluster_; }
  // The circuit-breaker thresholds of this pool's priority.
  const ResourceLimits& limits() const { return cluster_->circuit_breakers.at(key_.priority); }
  EventLoop& loop() { return loop_; }
  const HostSharedPtr& sharedHost() const { return host_; }

 private:
  class PendingRequest;

  void createClient();
  void attach(ActiveClient& client, http::ResponseDecoder& decoder, PoolCallbacks& callbacks,
              PoolHandle& handle);
  void servePending(ActiveClient& client);
  void setReady(ActiveClient& client, bool ready);
  void onIdle(ActiveClient& client);
  void openForPending();

  EventLoop& loop_;
  HostSharedPtr host_;
  ClusterConfigSharedPtr cluster_;
  const PoolKey key_;
  const ClusterResourcesSharedPtr resources_;
  std::list<std::unique_ptr<ActiveClient>> clients_;
  // Connected clients with capacity, most recently used last: reuse prefers warm connections.
  std::vector<ActiveClient*> ready_;
  std::list<std::unique_ptr<PendingRequest>> pending_;
  // Streams the connecting clients will be able to carry.
  uint64_t connecting_capacity_ = 0;
};

}  // namespace meshproxy::upstream
