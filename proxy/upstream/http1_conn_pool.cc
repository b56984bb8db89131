#include "proxy/upstream/http1_conn_pool.h"

#include "proxy/core/log.h"
#include "proxy/http/codec_factory.h"
#include "proxy/upstream/upstream_socket_options.h"

namespace meshproxy::upstream {

using network::ConnectionEvent;

// One upstream connection with its HTTP/1 client codec, and the one stream it carries at a
// time. It stands between the codec and the owner's response decoder, so it sees where each
// response ends and can give the connection back to the pool.
class Http1ConnPool::Client : public ConnPoolBase::ActiveClient,
                              public network::ConnectionCallbacks,
                              public http::ResponseDecoder,
                              public PoolStream,
                              public PoolHandleTarget {
 public:
  explicit Client(Http1ConnPool& pool) : ActiveClient(pool, 1), http1_pool_(pool) {
    const ClusterConfig& cluster = pool.cluster();
    // With TLS, kConnected comes after the handshake: requests go to authenticated peers only.
    connection_ = network::Connection::connect(
        pool.loop(), pool.host().address(), cluster.connect_timeout,
        cluster.per_connection_buffer_limit, cluster.transportSocketFor(pool.host()),
        cluster.source_address ? &*cluster.source_address : nullptr);
    applyUpstreamSocketOptions(cluster, *connection_);
    connection_->setCallbacks(this);
    codec_ = http::createClientCodec(*connection_);
    cluster.stats->upstream_cx_total.inc();
    cluster.stats->upstream_cx_http1_total.inc();
  }
  ~Client() override {
    unbind();
    if (connection_ != nullptr) {
      connection_->setCallbacks(nullptr);
      connection_->close(network::CloseType::kNoFlush);
    }
  }

  // ActiveClient
  void startStream(http::ResponseDecoder& decoder, PoolHandle& handle,
                   PoolCallbacks& callbacks) override {
    decoder_ = &decoder;
    response_complete_ = false;
    ++streams_started_;
    encoder_ = &codec_->newStream(*this);
    bind(handle, this);
    callbacks.onPoolReady(*this);
  }
  void close() override {
    if (connection_ != nullptr) connection_->close(network::CloseType::kNoFlush);
  }

  // PoolStream
  http::RequestEncoder& encoder() override { return *encoder_; }
  const network::Connection& connection() const override { return *connection_; }
  bool reusedConnection() const override { return streams_started_ > 1; }

  // PoolHandleTarget: the owner gave up before the exchange completed; an HTTP/1 connection
  // in an unknown state cannot be reused.
  void onHandleCancelled() override {
    decoder_ = nullptr;
    close();
  }

  // ResponseDecoder: forward to the owner, noting where the response ends.
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
    http1_pool_.cluster().stats->upstream_cx_rx_bytes_total.add(data.length());
    if (encoder_ == nullptr) {
      // Bytes on an idle keep-alive connection: the server is not speaking HTTP/1 to us.
      data.clear();
      close();
      return;
    }
    absl::Status status = codec_->dispatch(data);
    if (!status.ok()) {
      log::debug("upstream {}: protocol error: {}", http1_pool_.host().address().str(),
                 status.message());
      close();
      return;
    }
    if (response_complete_) finishStream();
  }

  void onEvent(ConnectionEvent event) override {
    const ClusterStats& stats = *http1_pool_.cluster().stats;
    switch (event) {
      case ConnectionEvent::kConnected:
        stats.upstream_cx_active.inc();
        connected_ = true;
        http1_pool_.onConnected(*this);
        return;
      case ConnectionEvent::kConnectFailed:
      case ConnectionEvent::kConnectTimeout: {
        http1_pool_.onConnectAttemptFailed(*this, event == ConnectionEvent::kConnectTimeout,
                                           connection_->transportFailureReason());
        return;
      }
      case ConnectionEvent::kRemoteClose:
      case ConnectionEvent::kLocalClose:
        if (connected_) http1_pool_.countEstablishedClose(connection_->bytesWritten());
        // The owner's handle empties before the close reaches it: a close-delimited body
        // ends here, an unfinished exchange becomes a stream reset.
        unbind();
        codec_->onConnectionClosed();
        decoder_ = nullptr;
        encoder_ = nullptr;
        http1_pool_.onClosed(*this);
        return;
    }
  }
  void onAboveWriteBufferHighWatermark() override {
    codec_->onUnderlyingConnectionAboveWriteBufferHighWatermark();
  }
  void onBelowWriteBufferLowWatermark() override {
    codec_->onUnderlyingConnectionBelowWriteBufferLowWatermark();
  }

 private:
  // The whole response arrived: the owner is done with the stream once its last callback
  // returned. Reuse only a connection the codec says is clean and that we read normally from.
  void finishStream() {
    decoder_ = nullptr;
    encoder_ = nullptr;
    unbind();
    bool reusable = codec_->idle() && codec_->reusable() && connection_->readEnabled();
    http1_pool_.onStreamDone(*this, reusable);
  }

  Http1ConnPool& http1_pool_;
  std::unique_ptr<network::Connection> connection_;
  std::unique_ptr<http::ClientConnection> codec_;
  http::ResponseDecoder* decoder_ = nullptr;
  http::RequestEncoder* encoder_ = nullptr;
  uint64_t streams_started_ = 0;
  bool response_complete_ = false;
  bool connected_ = false;
};

Http1ConnPool::Http1ConnPool(EventLoop& loop, HostSharedPtr host, ClusterConfigSharedPtr cluster,
                             ResourcePriority priority)
    : ConnPoolBase(loop, std::move(host), std::move(cluster),
                   PoolKey{http::Protocol::kHttp11, 0, priority}) {}

std::unique_ptr<ConnPoolBase::ActiveClient> Http1ConnPool::instantiateClient() {
  return std::make_unique<Client>(*this);
}

}  // namespace meshproxy::upstream
