#pragma once

#include <list>
#include <memory>

#include "proxy/core/timer.h"
#include "proxy/http/active_stream.h"
#include "proxy/http/codec.h"
#include "proxy/http/conn_manager_config.h"
#include "proxy/network/filter.h"

namespace meshproxy::http {

// envoy.filters.network.http_connection_manager: the terminal network filter of HTTP
// listeners. Feeds bytes to the codec, turns each request into an ActiveStream, and closes
// the connection when the codec (or idleness) says so. Protocol rules (when a connection can
// carry another request, how malformed input is answered) belong to the codec: this class
// is the same for every protocol.
class ConnectionManager : public network::NetworkFilter, public ServerConnectionCallbacks {
 public:
  explicit ConnectionManager(std::shared_ptr<const ConnManagerConfig> config);
  ~ConnectionManager() override;

  // NetworkFilter
  void initialize(network::NetworkFilterCallbacks& callbacks) override;
  network::FilterStatus onNewConnection() override;
  network::FilterStatus onData(Buffer& data, bool end_stream) override;
  void onEvent(network::ConnectionEvent event) override;
  void onDrain() override;
  void onAboveWriteBufferHighWatermark() override;
  void onBelowWriteBufferLowWatermark() override;
  // ServerConnectionCallbacks
  RequestDecoder& newStream(ResponseEncoder& encoder) override;

  const ConnManagerConfig& config() const { return *config_; }
  network::NetworkFilterCallbacks& callbacks() { return *callbacks_; }
  network::Connection& connection() { return callbacks_->connection(); }
  WorkerContext& worker() { return callbacks_->worker(); }
  ServerConnection& codec() { return *codec_; }

  // Called by a stream when both directions are done (or it was reset).
  void onStreamFinished(ActiveStream& stream);

 private:
  void handleCodecError(const absl::Status& status);
  void onIdleTimeout();
  void onConnectionDurationTimeout();
  void startHttp2Drain();
  // codec_type AUTO waits for ALPN or the first bytes; false: not decided yet.
  bool ensureCodec(const Buffer& data);

  std::shared_ptr<const ConnManagerConfig> config_;
  network::NetworkFilterCallbacks* callbacks_ = nullptr;
  std::unique_ptr<ServerConnection> codec_;
  std::list<std::unique_ptr<ActiveStream>> streams_;
  // The list node of the last finished stream, reused by the next one (keep-alive
  // connections would otherwise allocate and free a node per request).
  std::list<std::unique_ptr<ActiveStream>> spare_node_;
  std::unique_ptr<Timer> idle_timer_;
  // HTTP/2 drain: the final GOAWAY, drain_timeout after the shutdown notice (as Envoy does).
  std::unique_ptr<Timer> drain_timer_;
  std::unique_ptr<Timer> duration_timer_;  // max_connection_duration
  bool started_ = false;                   // onNewConnection ran: the connection is counted
  uint64_t next_stream_id_ = 1;
  // The codec found malformed input: no further bytes are read.
  bool closing_ = false;
  std::chrono::steady_clock::time_point connected_at_;
};

}  // namespace meshproxy::http
