#pragma once

#include <memory>

#include "proxy/core/timer.h"
#include "proxy/filters/network/tcp_proxy/tcp_proxy_config.h"
#include "proxy/network/connection.h"
#include "proxy/network/filter.h"
#include "proxy/upstream/worker_cluster.h"

namespace meshproxy::filters::tcp_proxy {

// Relays bytes between a downstream connection and one upstream connection to a host of the
// configured cluster. Half-close passes through (a FIN on one side becomes a FIN on the
// other), and each side's write queue throttles reading on the other side. The host comes from
// the cluster front end (chooseHost with this filter as the LbContext: the downstream
// connection for ORIGINAL_DST, the hosts earlier connect attempts used).
class TcpProxyFilter : public network::NetworkFilter, public upstream::LbContext {
 public:
  explicit TcpProxyFilter(std::shared_ptr<const TcpProxyConfig> config);
  ~TcpProxyFilter() override;

  void initialize(network::NetworkFilterCallbacks& callbacks) override;
  network::FilterStatus onNewConnection() override;
  network::FilterStatus onData(Buffer& data, bool end_stream) override;
  void onEvent(network::ConnectionEvent event) override;
  void onAboveWriteBufferHighWatermark() override;
  void onBelowWriteBufferLowWatermark() override;

  // LbContext
  const network::Connection* downstreamConnection() const override;

 private:
  class UpstreamCallbacks : public network::ConnectionCallbacks {
   public:
    explicit UpstreamCallbacks(TcpProxyFilter& parent) : parent_(parent) {}
    void onData(Buffer& data, bool end_stream) override;
    void onEvent(network::ConnectionEvent event) override;
    void onAboveWriteBufferHighWatermark() override;
    void onBelowWriteBufferLowWatermark() override;

   private:
    TcpProxyFilter& parent_;
  };

  void connectUpstream();
  void onUpstreamConnected();
  void onConnectFailure(network::ConnectionEvent event);
  void onUpstreamClosed(network::ConnectionEvent event);
  void onIdleTimeout();
  void resetIdleTimer();
  void finish();
  void releaseConnectionCount();
  // The outcome counters of the chosen host, this worker's stripe (outlier detection).
  network::Connection& downstream() { return callbacks_->connection(); }

  std::shared_ptr<const TcpProxyConfig> config_;
  network::NetworkFilterCallbacks* callbacks_ = nullptr;
  // Pinned for the connection's life (after its access log line): the cluster's config,
  // hosts and the chosen host stay valid. See upstream/worker_cluster.h.
  upstream::ClusterPin cluster_;
  upstream::HostPin host_;
  std::unique_ptr<network::Connection> upstream_;
  // The upstream's TLS identity and failure reason, kept for the access log.
  std::shared_ptr<const network::SslConnectionInfo> upstream_ssl_;
  std::string transport_failure_;
  UpstreamCallbacks upstream_callbacks_{*this};
  std::unique_ptr<Timer> idle_timer_;
  uint32_t connect_attempts_ = 0;
  bool upstream_connected_ = false;
  bool connection_counted_ = false;  // in the cluster's ClusterResources::connections
  bool downstream_read_paused_by_upstream_ = false;
  bool upstream_read_paused_by_downstream_ = false;
  bool finished_ = false;
  bool upstream_sent_fin_ = false;
  bool downstream_sent_fin_ = false;
  uint64_t idle_deadline_ms_ = 0;
};

}  // namespace meshproxy::filters::tcp_proxy
