#include "proxy/upstream/http2_conn_pool.h"

#include <list>

#include "proxy/core/log.h"
#include "proxy/http/http2/client_connection.h"
#include "proxy/upstream/upstream_socket_options.h"

namespace meshproxy::upstream {

using network::ConnectionEvent;

// One stream of a multiplexed connection as its owner sees it: the owner writes through this
// encoder and hears the response through this decoder, so the pool sees where the exchange
// ends (the response's end, or a reset) and gives the stream's slot back to the connection.
class Http2ConnPool::PoolStreamImpl : public PoolStream,
                                      public PoolHandleTarget,
                                      public http::RequestEncoder,
                                      public http::ResponseDecoder,
                                      public http::StreamCallbacks,
                                      public DeferredDeletable {
 public:
  PoolStreamImpl(Client& client, http::ResponseDecoder& decoder)
      : client_(client), decoder_(&decoder) {}

  void start(http::ClientConnection& codec, PoolHandle& handle) {
    inner_ = &codec.newStream(*this);
    inner_->stream().addCallbacks(*this);
    bind(handle, this);
  }

  // PoolStream
  http::RequestEncoder& encoder() override { return *this; }
  const network::Connection& connection() const override;

  // RequestEncoder: forward, noting whether the request has ended.
  void encodeHeaders(const http::HeaderMap& headers, bool end_stream) override {
    request_ended_ = end_stream;
    inner_->encodeHeaders(headers, end_stream);
  }
  void encodeData(Buffer& data, bool end_stream) override {
    request_ended_ = end_stream;
    inner_->encodeData(data, end_stream);
  }
  void encodeTrailers(const http::HeaderMap& trailers) override {
    request_ended_ = true;
    inner_->encodeTrailers(trailers);
  }
  http::Stream& stream() override { return inner_->stream(); }

  // ResponseDecoder: forward to the owner; the last callback ends the exchange.
  void decodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) override {
    if (decoder_ != nullptr) decoder_->decodeHeaders(std::move(headers), end_stream);
    if (end_stream) onResponseComplete();
  }
  void decodeData(Buffer& data, bool end_stream) override {
    if (decoder_ != nullptr) {
      decoder_->decodeData(data, end_stream);
    } else {
      data.clear();
    }
    if (end_stream) onResponseComplete();
  }
  void decodeTrailers(std::unique_ptr<http::HeaderMap> trailers) override {
    if (decoder_ != nullptr) decoder_->decodeTrailers(std::move(trailers));
    onResponseComplete();
  }

  // StreamCallbacks: the stream is gone (either side reset it, or the connection closed).
  void onResetStream(http::StreamResetReason) override {
    inner_ = nullptr;
    finish();
  }

  // PoolHandleTarget: the owner gave up; only its stream goes, the connection stays.
  void onHandleCancelled() override {
    decoder_ = nullptr;
    if (inner_ != nullptr) inner_->stream().resetStream(http::StreamResetReason::kLocalReset);
  }

  void onConnectionClosing() {
    decoder_ = nullptr;
    unbind();
  }

 private:
  void onResponseComplete() {
    if (done_) return;
    decoder_ = nullptr;
    unbind();
    if (inner_ != nullptr) {
      http::StreamEncoder* inner = inner_;
      inner_ = nullptr;
      inner->stream().removeCallbacks(*this);
      // The server answered before the request ended (gRPC does this): the rest of the
      // request is not wanted.
      if (!request_ended_) inner->stream().resetStream(http::StreamResetReason::kLocalReset);
    }
    finish();
  }
  void finish();

  Client& client_;
  http::ResponseDecoder* decoder_;
  http::StreamEncoder* inner_ = nullptr;
  bool request_ended_ = false;
  bool done_ = false;

 public:
  std::list<std::unique_ptr<PoolStreamImpl>>::iterator position;
};

// One upstream connection with its HTTP/2 client codec and the streams it carries.
class Http2ConnPool::Client : public ConnPoolBase::ActiveClient,
                              public network::ConnectionCallbacks,
                              public http::ClientConnectionCallbacks {
 public:
  explicit Client(Http2ConnPool& pool)
      : ActiveClient(pool, pool.cluster().http2_settings.max_concurrent_streams), pool_(pool) {
    const ClusterConfig& cluster = pool.cluster();
    connection_ = network::Connection::connect(
        pool.loop(), pool.host().address(), cluster.connect_timeout,
        cluster.per_connection_buffer_limit, cluster.transportSocketFor(pool.host()),
        cluster.source_address ? &*cluster.source_address : nullptr);
    applyUpstreamSocketOptions(cluster, *connection_);
    connection_->setCallbacks(this);
    http::http2::Http2Settings settings = cluster.http2_settings;
    settings.loop = &pool.loop();
    settings.stream_buffer_limit = cluster.per_connection_buffer_limit;
    codec_ = std::make_unique<http::http2::ClientConnectionImpl>(*connection_, this, settings);
    cluster.stats->upstream_cx_total.inc();
    cluster.stats->upstream_cx_http2_total.inc();
  }
  ~Client() override {
    for (auto& stream : streams_) stream->onConnectionClosing();
    if (connection_ != nullptr) {
      connection_->setCallbacks(nullptr);
      connection_->close(network::CloseType::kNoFlush);
    }
  }

  const network::Connection& connection() const { return *connection_; }

  // ActiveClient
  void startStream(http::ResponseDecoder& decoder, PoolHandle& handle,
                   PoolCallbacks& callbacks) override {
    auto stream = std::make_unique<PoolStreamImpl>(*this, decoder);
    PoolStreamImpl* raw = stream.get();
    streams_.push_back(std::move(stream));
    raw->position = std::prev(streams_.end());
    raw->start(*codec_, handle);
    callbacks.onPoolReady(*raw);
  }
  void close() override {
    // The pool decides to close from inside codec callbacks (the last stream of a drained
    // connection ended): the codec must not be torn down under its own dispatch.
    if (dispatching_) {
      close_after_dispatch_ = true;
      return;
    }
    if (connection_ != nullptr) connection_->close(network::CloseType::kNoFlush);
  }

  // A stream ended (complete or reset).
  void onStreamFinished(PoolStreamImpl& stream) {
    auto owned = std::move(*stream.position);
    streams_.erase(stream.position);
    pool_.loop().deferredDelete(std::move(owned));
    if (closing_) return;
    pool_.onStreamDone(*this, codec_->reusable());
  }

  // ClientConnectionCallbacks
  void onGoAway(http::GoAwayErrorCode) override {
    log::debug("upstream {}: GOAWAY received; draining the connection",
               pool_.host().address().str());
    if (!closing_) pool_.onGoAway(*this);
  }
  void onMaxConcurrentStreamsChanged(uint32_t max_concurrent_streams) override {
    if (closing_) return;
    pool_.onConcurrentStreamLimit(
        *this,
        std::min(max_concurrent_streams, pool_.cluster().http2_settings.max_concurrent_streams));
  }

  // ConnectionCallbacks
  void onData(Buffer& data, bool) override {
    pool_.cluster().stats->upstream_cx_rx_bytes_total.add(data.length());
    dispatching_ = true;
    absl::Status status = codec_->dispatch(data);
    dispatching_ = false;
    if (close_after_dispatch_) {
      close();
      return;
    }
    if (!status.ok()) {
      log::debug("upstream {}: HTTP/2 protocol error: {}", pool_.host().address().str(),
                 status.message());
      close();
    }
  }
  void onEvent(ConnectionEvent event) override {
    const ClusterStats& stats = *pool_.cluster().stats;
    switch (event) {
      case ConnectionEvent::kConnected:
        stats.upstream_cx_active.inc();
        connected_ = true;
        pool_.onConnected(*this);
        return;
      case ConnectionEvent::kConnectFailed:
      case ConnectionEvent::kConnectTimeout: {
        closing_ = true;
        pool_.onConnectAttemptFailed(*this, event == ConnectionEvent::kConnectTimeout,
                                     connection_->transportFailureReason());
        return;
      }
      case ConnectionEvent::kRemoteClose:
      case ConnectionEvent::kLocalClose:
        if (connected_) pool_.countEstablishedClose(connection_->bytesWritten());
        closing_ = true;
        // The owners' handles empty before the close reaches them as stream resets.
        for (auto& stream : streams_) stream->onConnectionClosing();
        codec_->onConnectionClosed();
        pool_.onClosed(*this);
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
  Http2ConnPool& pool_;
  std::unique_ptr<network::Connection> connection_;
  std::unique_ptr<http::http2::ClientConnectionImpl> codec_;
  std::list<std::unique_ptr<PoolStreamImpl>> streams_;
  bool connected_ = false;
  bool closing_ = false;
  bool dispatching_ = false;
  bool close_after_dispatch_ = false;
};

const network::Connection& Http2ConnPool::PoolStreamImpl::connection() const {
  return client_.connection();
}

void Http2ConnPool::PoolStreamImpl::finish() {
  if (done_) return;
  done_ = true;
  decoder_ = nullptr;
  unbind();
  client_.onStreamFinished(*this);
}

Http2ConnPool::Http2ConnPool(EventLoop& loop, HostSharedPtr host, ClusterConfigSharedPtr cluster,
                             ResourcePriority priority)
    : ConnPoolBase(loop, std::move(host), std::move(cluster),
                   PoolKey{http::Protocol::kHttp2, 0, priority}) {}

std::unique_ptr<ConnPoolBase::ActiveClient> Http2ConnPool::instantiateClient() {
  return std::make_unique<Client>(*this);
}

}  // namespace meshproxy::upstream
