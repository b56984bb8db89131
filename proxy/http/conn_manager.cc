#include "proxy/http/conn_manager.h"

#include "proxy/core/log.h"
#include "proxy/core/worker_context.h"
#include "proxy/http/codec_factory.h"
#include "proxy/network/connection.h"

namespace meshproxy::http {

ConnectionManager::ConnectionManager(std::shared_ptr<const ConnManagerConfig> config)
    : config_(std::move(config)) {}

ConnectionManager::~ConnectionManager() {
  // Streams refer to the codec; they go first.
  streams_.clear();
  codec_.reset();
}

void ConnectionManager::initialize(network::NetworkFilterCallbacks& callbacks) {
  callbacks_ = &callbacks;
}

network::FilterStatus ConnectionManager::onNewConnection() {
  started_ = true;
  config_->stats->downstream_cx_total.inc();
  config_->stats->downstream_cx_active.inc();
  connected_at_ = std::chrono::steady_clock::now();
  uv_loop_t* loop = worker().loop.uv();
  if (config_->idle_timeout.count() > 0) {
    idle_timer_ = std::make_unique<Timer>(loop, [this] { onIdleTimeout(); });
    idle_timer_->enable(config_->idle_timeout);
  }
  if (config_->max_connection_duration.count() > 0) {
    duration_timer_ = std::make_unique<Timer>(loop, [this] { onConnectionDurationTimeout(); });
    duration_timer_->enable(config_->max_connection_duration);
  }
  return network::FilterStatus::kContinue;
}

network::FilterStatus ConnectionManager::onData(Buffer& data, bool end_stream) {
  config_->stats->downstream_cx_rx_bytes_total.add(data.length());
  if (closing_ && streams_.empty()) {
    data.clear();
    return network::FilterStatus::kStopIteration;
  }
  if (codec_ == nullptr && !ensureCodec(data)) {
    // A client that closes in the middle of the preface sent nothing to answer.
    if (end_stream) connection().close(network::CloseType::kNoFlush);
    return network::FilterStatus::kStopIteration;
  }
  auto status = codec_->dispatch(data);
  if (!status.ok()) handleCodecError(status);
  return network::FilterStatus::kStopIteration;
}

bool ConnectionManager::ensureCodec(const Buffer& data) {
  std::optional<Protocol> protocol = chooseServerProtocol(config_->codec_type, connection(), data);
  if (!protocol.has_value()) return false;
  codec_ = createServerCodec(*protocol, connection(), *this, *config_, worker().loop);
  // The drain began before the first bytes came.
  if (callbacks_->draining()) onDrain();
  return true;
}

void ConnectionManager::onDrain() {
  // HTTP/1 has nothing to announce a drain with: each response says Connection: close
  // (ActiveStream).
  if (codec_ == nullptr || codec_->protocol() != Protocol::kHttp2) return;
  startHttp2Drain();
}

// common_http_protocol_options.max_connection_duration, as Envoy: a connection with no codec
// yet closes; HTTP/1 closes now when idle, else after the response in progress (Connection:
// close); HTTP/2 drains as for a listener drain.
void ConnectionManager::onConnectionDurationTimeout() {
  config_->stats->downstream_cx_max_duration_reached.inc();
  log::debug("http {}: connection {} max connection duration reached", config_->stat_prefix,
             connection().id());
  if (codec_ == nullptr) {
    connection().close(network::CloseType::kFlushWrite);
  } else if (codec_->protocol() != Protocol::kHttp2) {
    codec_->goAway();
  } else {
    startHttp2Drain();
  }
}

// GOAWAY with the highest stream id now, so the client opens no new stream here, then the
// real last stream id after drain_timeout, as Envoy does; the codec closes the connection once
// the streams in flight are done.
void ConnectionManager::startHttp2Drain() {
  if (drain_timer_ != nullptr) return;
  if (config_->drain_timeout.count() <= 0) {
    codec_->goAway();
    return;
  }
  codec_->shutdownNotice();
  drain_timer_ = std::make_unique<Timer>(worker().loop.uv(), [this] { codec_->goAway(); });
  drain_timer_->enable(config_->drain_timeout);
}

RequestDecoder& ConnectionManager::newStream(ResponseEncoder& encoder) {
  if (idle_timer_ != nullptr) idle_timer_->disable();
  auto stream = std::make_unique<ActiveStream>(*this, encoder, next_stream_id_++);
  ActiveStream* raw = stream.get();
  if (spare_node_.empty()) {
    streams_.push_back(std::move(stream));
  } else {
    streams_.splice(streams_.end(), spare_node_, spare_node_.begin());
    streams_.back() = std::move(stream);
  }
  raw->position = std::prev(streams_.end());
  return *raw;
}

// The codec has answered the malformed input itself (codec.h); what is left here is to count
// it, log it, and close once no stream is left to finish its answer.
void ConnectionManager::handleCodecError(const absl::Status& status) {
  config_->stats->downstream_cx_protocol_error.inc();
  log::debug("http {}: connection {} protocol error ({}): {}", config_->stat_prefix,
             connection().id(), httpStatusForCodecError(status), status.message());
  closing_ = true;
  if (streams_.empty()) connection().close(network::CloseType::kFlushWrite);
}

void ConnectionManager::onStreamFinished(ActiveStream& stream) {
  auto owned = std::move(*stream.position);
  if (spare_node_.empty()) {
    spare_node_.splice(spare_node_.end(), streams_, stream.position);
  } else {
    streams_.erase(stream.position);
  }
  worker().loop.deferredDelete(std::move(owned));
  if (closing_ || codec_->wantsToClose()) {
    if (streams_.empty()) connection().close(network::CloseType::kFlushWrite);
    return;
  }
  if (streams_.empty() && idle_timer_ != nullptr) idle_timer_->enable(config_->idle_timeout);
}

void ConnectionManager::onIdleTimeout() {
  if (!streams_.empty()) return;
  config_->stats->downstream_cx_idle_timeout.inc();
  log::debug("http {}: connection {} idle timeout", config_->stat_prefix, connection().id());
  connection().close(network::CloseType::kFlushWrite);
}

void ConnectionManager::onEvent(network::ConnectionEvent event) {
  if (event == network::ConnectionEvent::kConnected) return;
  idle_timer_.reset();
  drain_timer_.reset();
  duration_timer_.reset();
  // Streams still open lose their connection; each finishes (and logs) as reset.
  while (!streams_.empty()) streams_.front()->onConnectionClose();
  if (started_) {
    started_ = false;
    const auto& s = *config_->stats;
    s.downstream_cx_active.dec();
    s.downstream_cx_destroy.inc();
    s.downstream_cx_tx_bytes_total.add(connection().bytesWritten());
    s.downstream_cx_length_ms.record(
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - connected_at_)
                                  .count()));
  }
}

void ConnectionManager::onAboveWriteBufferHighWatermark() {
  if (codec_ != nullptr) codec_->onUnderlyingConnectionAboveWriteBufferHighWatermark();
}

void ConnectionManager::onBelowWriteBufferLowWatermark() {
  if (codec_ != nullptr) codec_->onUnderlyingConnectionBelowWriteBufferLowWatermark();
}

}  // namespace meshproxy::http
