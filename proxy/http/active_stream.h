#pragma once

#include <list>
#include <memory>
#include <optional>
#include <string>

#include "proxy/accesslog/stream_info.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/recycled.h"
#include "proxy/core/timer.h"
#include "proxy/http/codec.h"
#include "proxy/http/conn_manager_config.h"
#include "proxy/http/filter.h"
#include "proxy/http/filter_manager.h"
#include "proxy/tracing/stream_trace.h"

namespace meshproxy::http {

class ConnectionManager;

// One request/response exchange on a downstream connection: takes the request from the codec,
// sanitizes it (hop-by-hop fields, x-forwarded-*, 100-continue), hands it to its FilterManager,
// and writes what comes out of the encoder filters back through the codec. Owns the stream's
// timers, its route and its access log entry.
class ActiveStream : public RequestDecoder,
                     public StreamCallbacks,
                     public FilterManagerCallbacks,
                     public DeferredDeletable,
                     public Recycled<ActiveStream> {
 public:
  ActiveStream(ConnectionManager& manager, ResponseEncoder& encoder, uint64_t id);
  ~ActiveStream() override;

  // RequestDecoder (from the codec)
  void decodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) override;
  void decodeData(Buffer& data, bool end_stream) override;
  void decodeTrailers(std::unique_ptr<HeaderMap> trailers) override;
  // StreamCallbacks (the codec's stream)
  void onResetStream(StreamResetReason reason) override;
  void onAboveWriteBufferHighWatermark() override;
  void onBelowWriteBufferLowWatermark() override;

  // Answers without the filters having produced a response (codec errors, timeouts).
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) override;
  bool responseStarted() const { return filter_manager_.responseHeadersSent(); }
  // Resets from our side (connection closing, timeouts).
  void resetStream(StreamResetReason reason);
  // The connection is closing under this stream.
  void onConnectionClose();

  uint64_t id() const { return id_; }
  std::list<std::unique_ptr<ActiveStream>>::iterator position;

 private:
  // FilterManagerCallbacks
  void encode1xxHeaders(HeaderMap& headers) override;
  void encodeHeaders(HeaderMap& headers, bool end_stream) override;
  void encodeData(Buffer& data, bool end_stream) override;
  void encodeTrailers(HeaderMap& trailers) override;
  void onDecoderFilterAboveWriteBufferHighWatermark() override;
  void onDecoderFilterBelowWriteBufferLowWatermark() override;
  void resetStream() override { resetStream(StreamResetReason::kLocalReset); }
  void resetIdleTimer() override;
  void refreshDurationTimeout(const Route& route);
  void disableDurationTimeout(const StreamDurationPolicy* policy, HeaderMap* headers);
  void onMaxStreamDuration();
  void onRequestDataTooLarge() override;
  WorkerContext& worker() override;
  const network::Connection& connection() override;
  const Route* route() override;
  void clearRouteCache() override { cached_route_.reset(); }
  uint64_t routeRandom() override;

  bool prepareRequest();
  const RouteConfig* routeConfig();
  void createFilterChain();
  void mutateResponseHeaders(HeaderMap& headers);
  void onStreamIdleTimeout();
  void onRequestTimeout();
  void onRequestHeadersTimeout();
  void onRequestComplete();
  void startTracing(HeaderMap& headers);
  void maybeEndStream();
  void finishStream();

  ConnectionManager& manager_;
  const ConnManagerConfig& config_;
  ResponseEncoder& encoder_;
  const uint64_t id_;
  accesslog::StreamInfo info_;
  FilterManager filter_manager_;
  std::unique_ptr<Timer> idle_timer_;
  std::unique_ptr<Timer> request_timer_;
  std::unique_ptr<Timer> max_duration_timer_;  // max_stream_duration / grpc-timeout
  // request_headers_timeout: from the stream's first byte to its complete headers.
  std::unique_ptr<Timer> request_headers_timer_;
  uint64_t idle_deadline_ms_ = 0;
  std::chrono::milliseconds idle_timeout_{0};
  std::optional<const Route*> cached_route_;
  // Drawn once per stream: matching and the weighted cluster pick use the same value.
  std::optional<uint64_t> route_random_;
  // The table the cached route came from. An inline table lives as long as the connection's
  // config; an RDS table is kept by the pin on the worker's tables it came from, so an RDS
  // update cannot free it mid-stream (no reference count per request).
  const RouteConfig* route_table_ = nullptr;
  RouteTablesPin route_tables_pin_;
  std::string downstream_remote_address_;
  // Only when the connection manager configures `tracing`.
  std::unique_ptr<tracing::StreamTrace> trace_;
  bool finished_ = false;
  bool upgrade_ = false;
  // The codec reset the stream (or we did): it must not be called again.
  bool codec_stream_reset_ = false;
};

}  // namespace meshproxy::http
