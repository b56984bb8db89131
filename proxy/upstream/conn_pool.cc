#include "proxy/upstream/conn_pool.h"

#include "proxy/core/log.h"
#include "proxy/http/codec_factory.h"

namespace meshproxy::upstream {

using network::ConnectionEvent;

// One upstream connection with its HTTP/1 client codec. It stands between the codec and the
// router's response decoder, so it sees the end of each response and can hand the
// connection back to the pool.
class Http1ConnPool::ActiveClient : public network::ConnectionCallbacks,
                                    public http::ResponseDecoder,
                                    public PooledStream,
                                    public DeferredDeletable {
 public:
  explicit ActiveClient(Http1ConnPool& pool) : pool_(pool) {
    const ClusterConfig& cluster = *pool.cluster_;
    // With TLS, kConnected comes after the handshake: requests go to authenticated peers only.
    connection_ = network::Connection::connect(
        pool.loop_, pool.host_->address(), cluster.connect_timeout,
        cluster.per_connection_buffer_limit, cluster.transport_socket.get(),
        cluster.source_address ? &*cluster.source_address : nullptr);
    connection_->setCallbacks(this);
    codec_ = http::createClientCodec(*connection_);
    cluster.stats->upstream_cx_total.inc();
    cluster.stats->upstream_cx_http1_total.inc();
    resources_ = cluster.resources;
    resources_->connections.inc();
  }
  ~ActiveClient() override {
    resources_->connections.dec();
    if (connection_ != nullptr) {
      connection_->setCallbacks(nullptr);
      connection_->close(network::CloseType::kNoFlush);
    }
  }

  bool idle() const { return state_ == State::kIdle; }
  std::string_view transportFailureReason() const { return connection_->transportFailureReason(); }
  bool connecting() const { return state_ == State::kConnecting; }

  // Binds a request to this (connected, idle) connection.
  void start(http::ResponseDecoder& decoder) {
    state_ = State::kBusy;
    if (idle_timer_ != nullptr) idle_timer_->disable();
    decoder_ = &decoder;
    response_complete_ = false;
    ++requests_;
    encoder_ = &codec_->newStream(*this);
  }

  void close() {
    if (connection_ != nullptr) connection_->close(network::CloseType::kNoFlush);
  }

  // PooledStream
  http::RequestEncoder& encoder() override { return *encoder_; }
  const Host& host() const override { return *pool_.host_; }
  const network::Connection& connection() const override { return *connection_; }
  void reset() override {
    decoder_ = nullptr;
    close();
  }

  // ResponseDecoder: forward to the router, noting where the response ends.
  void decodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) override {
    if (end_stream) response_complete_ = true;
    if (decoder_ != nullptr) decoder_->decodeHeaders(std::move(headers), end_stream);
  }
  void decodeData(Buffer& data, bool end_stream) override {
    if (end_stream) response_complete_ = true;
    if (decoder_ != nullptr) {
      decoder_->decodeData(data, end_stream);
    } else {
      data.clear();
    }
  }
  void decodeTrailers(std::unique_ptr<http::HeaderMap> trailers) override {
    response_complete_ = true;
    if (decoder_ != nullptr) decoder_->decodeTrailers(std::move(trailers));
  }

  // ConnectionCallbacks
  void onData(Buffer& data, bool) override {
    pool_.cluster_->stats->upstream_cx_rx_bytes_total.add(data.length());
    if (state_ != State::kBusy) {
      // Bytes on an idle keep-alive connection: the server is not speaking HTTP/1 to us.
      data.clear();
      close();
      return;
    }
    absl::Status status = codec_->dispatch(data);
    if (!status.ok()) {
      log::debug("upstream {}: protocol error: {}", pool_.host_->address().str(), status.message());
      close();
      return;
    }
    if (response_complete_) finishExchange();
  }

  void onEvent(ConnectionEvent event) override {
    const ClusterStats& stats = *pool_.cluster_->stats;
    switch (event) {
      case ConnectionEvent::kConnected:
        stats.upstream_cx_active.inc();
        connected_ = true;
        pool_.onClientConnected(*this);
        return;
      case ConnectionEvent::kConnectFailed:
      case ConnectionEvent::kConnectTimeout:
        stats.upstream_cx_connect_fail.inc();
        if (event == ConnectionEvent::kConnectTimeout) stats.upstream_cx_connect_timeout.inc();
        state_ = State::kClosed;
        pool_.onClientConnectFailed(*this, event == ConnectionEvent::kConnectTimeout
                                               ? PoolFailureReason::kConnectTimeout
                                               : PoolFailureReason::kConnectionFailure);
        return;
      case ConnectionEvent::kRemoteClose:
      case ConnectionEvent::kLocalClose:
        if (connected_) {
          stats.upstream_cx_active.dec();
          stats.upstream_cx_destroy.inc();
          stats.upstream_cx_tx_bytes_total.add(connection_->bytesWritten());
        }
        state_ = State::kClosed;
        // A close-delimited body ends here; an unfinished exchange becomes a stream reset.
        codec_->onConnectionClosed();
        decoder_ = nullptr;
        pool_.onClientClosed(*this);
        return;
    }
  }
  void onAboveWriteBufferHighWatermark() override {
    codec_->onUnderlyingConnectionAboveWriteBufferHighWatermark();
  }
  void onBelowWriteBufferLowWatermark() override {
    codec_->onUnderlyingConnectionBelowWriteBufferLowWatermark();
  }

  std::list<std::unique_ptr<ActiveClient>>::iterator position;

 private:
  enum class State { kConnecting, kIdle, kBusy, kClosed };

  void finishExchange() {
    decoder_ = nullptr;
    const ClusterConfig& cluster = *pool_.cluster_;
    bool max_reached =
        cluster.max_requests_per_connection > 0 && requests_ >= cluster.max_requests_per_connection;
    if (max_reached) cluster.stats->upstream_cx_max_requests.inc();
    // Reuse only a connection the codec says is clean and that we read normally from.
    if (!codec_->idle() || !codec_->reusable() || max_reached || !connection_->readEnabled()) {
      close();
      return;
    }
    state_ = State::kIdle;
    if (cluster.idle_timeout.count() > 0) {
      // One timer per connection, re-armed per exchange (cheap: see Timer).
      if (idle_timer_ == nullptr) {
        idle_timer_ = std::make_unique<Timer>(pool_.loop_.uv(), [this] {
          pool_.cluster_->stats->upstream_cx_idle_timeout.inc();
          close();
        });
      }
      idle_timer_->enable(cluster.idle_timeout);
    }
    pool_.onClientIdle(*this);
  }

  Http1ConnPool& pool_;
  // The cluster's counters as they were when this connection opened (a CDS update keeps the
  // same object, see ClusterResources::forCluster).
  ClusterResourcesSharedPtr resources_;
  std::unique_ptr<network::Connection> connection_;
  std::unique_ptr<http::ClientConnection> codec_;
  http::ResponseDecoder* decoder_ = nullptr;
  http::RequestEncoder* encoder_ = nullptr;
  std::unique_ptr<Timer> idle_timer_;
  State state_ = State::kConnecting;
  uint64_t requests_ = 0;
  bool response_complete_ = false;
  bool connected_ = false;
};

class Http1ConnPool::PendingRequest : public PendingRequestHandle {
 public:
  PendingRequest(Http1ConnPool& pool, http::ResponseDecoder& decoder, PoolCallbacks& callbacks)
      : pool(pool), decoder(decoder), callbacks(callbacks), resources(pool.cluster_->resources) {
    resources->pending_requests.inc();
  }
  ~PendingRequest() override { resources->pending_requests.dec(); }
  void cancel() override {
    auto owned = std::move(*position);
    pool.pending_.erase(position);
    // Deleting this from inside its own method: defer.
    struct Doomed : DeferredDeletable {
      std::unique_ptr<PendingRequest> p;
    };
    auto d = std::make_unique<Doomed>();
    d->p = std::move(owned);
    pool.loop_.deferredDelete(std::move(d));
  }

  Http1ConnPool& pool;
  http::ResponseDecoder& decoder;
  PoolCallbacks& callbacks;
  ClusterResourcesSharedPtr resources;
  std::list<std::unique_ptr<PendingRequest>>::iterator position;
};

Http1ConnPool::Http1ConnPool(EventLoop& loop, HostSharedPtr host, ClusterConfigSharedPtr cluster)
    : loop_(loop), host_(std::move(host)), cluster_(std::move(cluster)) {}

Http1ConnPool::~Http1ConnPool() {
  for (auto& p : pending_) {
    p->callbacks.onPoolFailure(PoolFailureReason::kConnectionFailure, "pool destroyed");
  }
  pending_.clear();
  clients_.clear();
}

PendingRequestHandle* Http1ConnPool::newStream(http::ResponseDecoder& decoder,
                                               PoolCallbacks& callbacks) {
  if (!idle_.empty()) {
    ActiveClient* client = idle_.back();
    idle_.pop_back();
    attach(*client, decoder, callbacks);
    return nullptr;
  }
  auto pending = std::make_unique<PendingRequest>(*this, decoder, callbacks);
  PendingRequest* raw = pending.get();
  pending_.push_back(std::move(pending));
  raw->position = std::prev(pending_.end());
  cluster_->stats->upstream_rq_pending_total.inc();
  if (connecting_ < pending_.size()) createClient();
  return raw;
}

void Http1ConnPool::createClient() {
  auto client = std::make_unique<ActiveClient>(*this);
  ActiveClient* raw = client.get();
  clients_.push_back(std::move(client));
  raw->position = std::prev(clients_.end());
  ++connecting_;
}

void Http1ConnPool::attach(ActiveClient& client, http::ResponseDecoder& decoder,
                           PoolCallbacks& callbacks) {
  client.start(decoder);
  callbacks.onPoolReady(client);
}

void Http1ConnPool::onClientConnected(ActiveClient& client) {
  --connecting_;
  onClientIdle(client);
}

void Http1ConnPool::onClientIdle(ActiveClient& client) {
  if (pending_.empty()) {
    idle_.push_back(&client);
    return;
  }
  auto request = std::move(pending_.front());
  pending_.pop_front();
  attach(client, request->decoder, request->callbacks);
}

void Http1ConnPool::onClientConnectFailed(ActiveClient& client, PoolFailureReason reason) {
  --connecting_;
  // The oldest waiting request takes the failure unless other connects can still serve it.
  if (pending_.size() > connecting_) {
    auto request = std::move(pending_.front());
    pending_.pop_front();
    std::string_view details = client.transportFailureReason();
    if (details.empty()) {
      details =
          reason == PoolFailureReason::kConnectTimeout ? "connect_timeout" : "connection_failure";
    }
    request->callbacks.onPoolFailure(reason, details);
  }
  onClientClosed(client);
}

void Http1ConnPool::onClientClosed(ActiveClient& client) {
  std::erase(idle_, &client);
  auto owned = std::move(*client.position);
  clients_.erase(client.position);
  loop_.deferredDelete(std::move(owned));
  servePending();
}

void Http1ConnPool::servePending() {
  // Requests still waiting need connections of their own.
  while (connecting_ < pending_.size()) createClient();
}

}  // namespace meshproxy::upstream
