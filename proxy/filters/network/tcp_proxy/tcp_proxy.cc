#include "proxy/filters/network/tcp_proxy/tcp_proxy.h"
#include "proxy/upstream/upstream_socket_options.h"

#include "proxy/accesslog/stream_info.h"
#include "proxy/core/log.h"
#include "proxy/core/worker_context.h"
#include "proxy/upstream/cluster_manager.h"
#include "proxy/upstream/outlier_reporter.h"

namespace meshproxy::filters::tcp_proxy {

using network::CloseType;
using network::ConnectionEvent;
using network::FilterStatus;

TcpProxyFilter::TcpProxyFilter(std::shared_ptr<const TcpProxyConfig> config)
    : config_(std::move(config)) {}

TcpProxyFilter::~TcpProxyFilter() {
  if (upstream_ != nullptr) {
    upstream_->setCallbacks(nullptr);
    if (upstream_connected_ && cluster_) cluster_->config().stats->upstream_cx_active.dec();
    upstream_connected_ = false;
  }
  releaseConnectionCount();
}

void TcpProxyFilter::releaseConnectionCount() {
  if (connection_counted_) {
    connection_counted_ = false;
    cluster_->config().resources->at(upstream::ResourcePriority::kDefault).connections.dec();
  }
}

const network::Connection* TcpProxyFilter::downstreamConnection() const {
  return &callbacks_->connection();
}

void TcpProxyFilter::initialize(network::NetworkFilterCallbacks& callbacks) {
  callbacks_ = &callbacks;
}

FilterStatus TcpProxyFilter::onNewConnection() {
  config_->stats->downstream_cx_total.inc();
  // Half-close must pass through: a client that sends its request and then shuts down its
  // write side still expects the whole response.
  downstream().enableHalfClose(true);
  // Nothing is read from downstream until there is an upstream to give it to.
  downstream().readDisable(true);
  auto& info = callbacks_->streamInfo();
  info.upstream_cluster = config_->cluster;

  upstream::WorkerClusterManager& clusters = callbacks_->worker().clusters;
  upstream::WorkerCluster* cluster = config_->cluster_slot != NameSlots::kNone
                                         ? clusters.get(config_->cluster_slot)
                                         : clusters.get(config_->cluster);
  if (cluster == nullptr) {
    log::debug("tcp_proxy {}: no cluster '{}'", config_->stat_prefix, config_->cluster);
    config_->stats->downstream_cx_no_route.inc();
    info.setResponseFlag(accesslog::ResponseFlag::kNoClusterFound);
    downstream().close(CloseType::kNoFlush);
    return FilterStatus::kStopIteration;
  }
  cluster_ = upstream::ClusterPin(*cluster);
  if (config_->idle_timeout.count() > 0) {
    idle_timer_ =
        std::make_unique<Timer>(callbacks_->worker().loop.uv(), [this]() { onIdleTimeout(); });
    resetIdleTimer();
    idle_timer_->enable(config_->idle_timeout);
  }
  connectUpstream();
  return FilterStatus::kStopIteration;
}

void TcpProxyFilter::connectUpstream() {
  // ORIGINAL_DST (passthrough) goes where the client meant to go: the front end takes the
  // destination original_dst restored on this connection.
  upstream::WorkerHost* chosen = cluster_->chooseHost(*this);
  if (chosen != nullptr) host_ = upstream::HostPin(*chosen);
  const upstream::Host* host = chosen == nullptr ? nullptr : &chosen->host();
  auto& info = callbacks_->streamInfo();
  if (host == nullptr) {
    cluster_->config().stats->upstream_cx_none_healthy.inc();
    info.setResponseFlag(accesslog::ResponseFlag::kNoHealthyUpstream);
    downstream().close(CloseType::kNoFlush);
    return;
  }
  // circuit_breakers max_connections (tcp_proxy has no route priority: DEFAULT), counted
  // across workers with the cluster's pooled HTTP connections. Envoy's TCP pool fails the
  // connection with an overflow: flag UO, the downstream is closed.
  uint64_t max_connections =
      cluster_->config().circuit_breakers.at(upstream::ResourcePriority::kDefault).max_connections;
  auto& connections =
      cluster_->config().resources->at(upstream::ResourcePriority::kDefault).connections;
  if (!connections.canCreate(max_connections)) {
    cluster_->config().stats->upstream_cx_overflow.inc();
    info.setResponseFlag(accesslog::ResponseFlag::kUpstreamOverflow);
    downstream().close(CloseType::kNoFlush);
    return;
  }
  ++connect_attempts_;
  info.upstream_request_attempt_count = connect_attempts_;
  info.upstream_host = host;
  addTriedHost(*host);
  cluster_->config().stats->upstream_cx_total.inc();
  // Counted for circuit breakers (max_connections) like a pooled connection.
  connections.inc(max_connections);
  connection_counted_ = true;
  // With TLS, kConnected comes after the handshake: downstream bytes flow only to an
  // authenticated upstream.
  const upstream::ClusterConfig& cluster = cluster_->config();
  upstream_ = network::Connection::connect(
      callbacks_->worker().loop, host->address(), cluster.connect_timeout,
      cluster.per_connection_buffer_limit, cluster.transportSocketFor(*host),
      cluster.source_address ? &*cluster.source_address : nullptr);
  upstream::applyUpstreamSocketOptions(cluster, *upstream_);
  upstream_->enableHalfClose(true);
  upstream_->setCallbacks(&upstream_callbacks_);
}

void TcpProxyFilter::onUpstreamConnected() {
  upstream_connected_ = true;
  upstream::reportLocalOrigin(host_->host(), callbacks_->worker().index, cluster_->config(),
                              upstream::LocalOriginResult::kConnectSuccessFinal);
  cluster_->config().stats->upstream_cx_active.inc();
  auto& info = callbacks_->streamInfo();
  info.upstream_local_address = upstream_->localAddress().str();
  if (const auto& ssl = upstream_->ssl(); ssl != nullptr) {
    upstream_ssl_ = ssl;
    info.upstream_peer_uri_san = ssl->peerUriSan();
  }
  log::trace("tcp_proxy {}: connection {} -> upstream {}", config_->stat_prefix, downstream().id(),
             upstream_->remoteAddress().str());
  downstream().readDisable(false);
}

void TcpProxyFilter::onConnectFailure(ConnectionEvent event) {
  cluster_->config().stats->upstream_cx_connect_fail.inc();
  upstream::reportLocalOrigin(host_->host(), callbacks_->worker().index, cluster_->config(),
                              upstream::LocalOriginResult::kConnectFailed);
  releaseConnectionCount();
  if (event == ConnectionEvent::kConnectTimeout)
    cluster_->config().stats->upstream_cx_connect_timeout.inc();
  auto& info = callbacks_->streamInfo();
  info.upstream_transport_failure_reason =
      event == ConnectionEvent::kConnectTimeout ? "connect_timeout" : "connect_failed";
  if (event == ConnectionEvent::kConnectFailed && !upstream_->transportFailureReason().empty()) {
    transport_failure_ = std::string(upstream_->transportFailureReason());
    info.upstream_transport_failure_reason = transport_failure_;
  }
  log::debug("tcp_proxy {}: upstream {} {}", config_->stat_prefix, info.upstreamHostAddress(),
             network::toString(event));
  // The failed connection object is finished; free it after this callback returns.
  struct Doomed : DeferredDeletable {
    std::unique_ptr<network::Connection> c;
  };
  auto doomed = std::make_unique<Doomed>();
  doomed->c = std::move(upstream_);
  callbacks_->worker().loop.deferredDelete(std::move(doomed));
  if (connect_attempts_ < config_->max_connect_attempts) {
    connectUpstream();
    return;
  }
  info.setResponseFlag(accesslog::ResponseFlag::kUpstreamConnectionFailure);
  downstream().close(CloseType::kNoFlush);
}

FilterStatus TcpProxyFilter::onData(Buffer& data, bool end_stream) {
  config_->stats->downstream_cx_rx_bytes_total.add(data.length());
  callbacks_->streamInfo().bytes_received += data.length();
  resetIdleTimer();
  if (end_stream) downstream_sent_fin_ = true;
  if (upstream_ != nullptr && upstream_->isOpen()) {
    cluster_->config().stats->upstream_cx_tx_bytes_total.add(data.length());
    upstream_->write(data, end_stream);
  } else {
    data.clear();
  }
  return FilterStatus::kStopIteration;
}

void TcpProxyFilter::UpstreamCallbacks::onData(Buffer& data, bool end_stream) {
  TcpProxyFilter& p = parent_;
  size_t n = data.length();
  p.cluster_->config().stats->upstream_cx_rx_bytes_total.add(n);
  p.config_->stats->downstream_cx_tx_bytes_total.add(n);
  p.callbacks_->streamInfo().bytes_sent += n;
  p.resetIdleTimer();
  if (end_stream) p.upstream_sent_fin_ = true;
  p.downstream().write(data, end_stream);
}

void TcpProxyFilter::UpstreamCallbacks::onEvent(ConnectionEvent event) {
  TcpProxyFilter& p = parent_;
  switch (event) {
    case ConnectionEvent::kConnected:
      p.onUpstreamConnected();
      return;
    case ConnectionEvent::kConnectFailed:
    case ConnectionEvent::kConnectTimeout:
      p.onConnectFailure(event);
      return;
    case ConnectionEvent::kRemoteClose:
    case ConnectionEvent::kLocalClose:
      p.onUpstreamClosed(event);
      return;
  }
}

void TcpProxyFilter::onUpstreamClosed(ConnectionEvent event) {
  releaseConnectionCount();
  if (upstream_connected_) {
    cluster_->config().stats->upstream_cx_active.dec();
    cluster_->config().stats->upstream_cx_destroy.inc();
    upstream_connected_ = false;
  }
  // A close after the upstream's FIN is the normal end of a session, not a termination.
  if (event == ConnectionEvent::kRemoteClose && !upstream_sent_fin_) {
    callbacks_->streamInfo().setResponseFlag(
        accesslog::ResponseFlag::kUpstreamConnectionTermination);
  }
  // Whatever the upstream sent is already queued downstream; deliver it, then close.
  config_->stats->upstream_flush_total.inc();
  downstream().close(CloseType::kFlushWrite);
}

// The upstream write queue is full: stop reading downstream until it drains.
void TcpProxyFilter::UpstreamCallbacks::onAboveWriteBufferHighWatermark() {
  TcpProxyFilter& p = parent_;
  if (p.downstream_read_paused_by_upstream_) return;
  p.downstream_read_paused_by_upstream_ = true;
  p.config_->stats->downstream_flow_control_paused_reading_total.inc();
  p.downstream().readDisable(true);
}

void TcpProxyFilter::UpstreamCallbacks::onBelowWriteBufferLowWatermark() {
  TcpProxyFilter& p = parent_;
  if (!p.downstream_read_paused_by_upstream_) return;
  p.downstream_read_paused_by_upstream_ = false;
  p.config_->stats->downstream_flow_control_resumed_reading_total.inc();
  p.downstream().readDisable(false);
}

// The downstream write queue is full: stop reading upstream until it drains.
void TcpProxyFilter::onAboveWriteBufferHighWatermark() {
  if (upstream_ == nullptr || upstream_read_paused_by_downstream_) return;
  upstream_read_paused_by_downstream_ = true;
  upstream_->readDisable(true);
}

void TcpProxyFilter::onBelowWriteBufferLowWatermark() {
  if (upstream_ == nullptr || !upstream_read_paused_by_downstream_) return;
  upstream_read_paused_by_downstream_ = false;
  upstream_->readDisable(false);
}

void TcpProxyFilter::onEvent(ConnectionEvent event) {
  if (event == ConnectionEvent::kConnected) return;
  // Downstream closed. Let the upstream finish sending what it was given, then close.
  if (upstream_ != nullptr && upstream_->isOpen()) {
    if (event == ConnectionEvent::kRemoteClose && !downstream_sent_fin_) {
      callbacks_->streamInfo().setResponseFlag(
          accesslog::ResponseFlag::kDownstreamConnectionTermination);
    }
    upstream_->close(upstream_->connecting() ? CloseType::kNoFlush : CloseType::kFlushWrite);
  }
  finish();
}

void TcpProxyFilter::resetIdleTimer() {
  if (idle_timer_ != nullptr) {
    idle_deadline_ms_ =
        callbacks_->worker().loop.nowMs() + static_cast<uint64_t>(config_->idle_timeout.count());
  }
}

// The timer is not re-armed on every read (that would be a heap operation per read); it
// fires at the original deadline and re-arms itself for whatever time is left.
void TcpProxyFilter::onIdleTimeout() {
  uint64_t now = callbacks_->worker().loop.nowMs();
  if (now < idle_deadline_ms_) {
    idle_timer_->enable(std::chrono::milliseconds(idle_deadline_ms_ - now));
    return;
  }
  log::debug("tcp_proxy {}: connection {} idle timeout", config_->stat_prefix, downstream().id());
  config_->stats->idle_timeout.inc();
  if (upstream_ != nullptr) upstream_->close(CloseType::kNoFlush);
  downstream().close(CloseType::kNoFlush);
}

void TcpProxyFilter::finish() {
  if (finished_) return;
  finished_ = true;
  idle_timer_.reset();
  auto& info = callbacks_->streamInfo();
  info.markComplete(std::chrono::steady_clock::now());
  for (const auto& logger : config_->access_logs) logger->log(info);
  if (log::enabled(log::Level::kInfo)) {
    std::string flags;
    accesslog::appendResponseFlags(info.response_flags, flags);
    log::info(
        "tcp {} downstream={} upstream={} cluster={} duration_ms={} bytes_received={} "
        "bytes_sent={} flags={}",
        config_->stat_prefix, info.downstream_remote_address,
        info.upstream_host == nullptr ? "-" : info.upstreamHostAddress(), config_->cluster,
        std::chrono::duration_cast<std::chrono::milliseconds>(*info.request_complete).count(),
        info.bytes_received, info.bytes_sent, flags);
  }
}

}  // namespace meshproxy::filters::tcp_proxy
