#pragma once

#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/recycled.h"
#include "proxy/core/timer.h"
#include "proxy/http/codec.h"
#include "proxy/http/conn_manager_config.h"
#include "proxy/http/filter.h"

namespace meshproxy::http {

class ConnectionManager;

// One request/response exchange on a downstream connection: owns the request and response
// headers, runs the HTTP filter chain both ways, and writes the response through the codec.
class ActiveStream : public RequestDecoder,
                     public StreamCallbacks,
                     public FilterChainBuilder,
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
  // FilterChainBuilder
  void addDecoderFilter(std::shared_ptr<StreamDecoderFilter> filter) override;
  void addEncoderFilter(std::shared_ptr<StreamEncoderFilter> filter) override;

  // Answers without the filters having produced a response (codec errors, no route...).
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details);
  bool responseStarted() const { return state_.response_headers_sent; }
  // Resets from our side (connection closing, timeouts).
  void resetStream(StreamResetReason reason);
  // The connection is closing under this stream.
  void onConnectionClose();

  uint64_t id() const { return id_; }
  std::list<std::unique_ptr<ActiveStream>>::iterator position;

 private:
  struct DecoderFilter;
  struct EncoderFilter;
  friend struct DecoderFilter;
  friend struct EncoderFilter;

  // Filter iteration, resumable from a given filter (after a StopIteration).
  void decodeHeadersFrom(size_t index);
  void decodeDataFrom(size_t index, Buffer& data, bool end_stream);
  void decodeTrailersFrom(size_t index);
  void continueDecoding(size_t filter_index);
  void encodeHeadersFrom(size_t index);
  void encodeDataFrom(size_t index, Buffer& data, bool end_stream);
  void encodeTrailersFrom(size_t index);
  void continueEncoding(size_t filter_index);

  // From the filters (the router) toward the downstream.
  void encode1xx(std::unique_ptr<HeaderMap> headers);
  void encodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream);
  void encodeData(Buffer& data, bool end_stream);
  void encodeTrailers(std::unique_ptr<HeaderMap> trailers);

  // Final step to the codec.
  void writeHeaders(bool end_stream);
  void writeData(Buffer& data, bool end_stream);
  void writeTrailers();

  bool prepareRequest();
  uint32_t bufferLimitBytes() const;
  void mutateResponseHeaders(HeaderMap& headers);
  const Route* route();
  void onStreamIdleTimeout();
  void onRequestTimeout();
  void onRequestHeadersTimeout();
  void resetIdleTimer();
  void maybeEndStream();
  void finishStream();
  void destroyFilters();

  ConnectionManager& manager_;
  const ConnManagerConfig& config_;
  ResponseEncoder& encoder_;
  const uint64_t id_;
  accesslog::StreamInfo info_;
  std::unique_ptr<HeaderMap> request_headers_;
  std::unique_ptr<HeaderMap> request_trailers_;
  std::unique_ptr<HeaderMap> response_headers_;
  std::unique_ptr<HeaderMap> response_trailers_;
  // Inline: a chain is a handful of filters, and these are built once per request.
  absl::InlinedVector<std::unique_ptr<DecoderFilter>, 4> decoder_filters_;
  absl::InlinedVector<std::unique_ptr<EncoderFilter>, 4> encoder_filters_;
  absl::InlinedVector<DownstreamWatermarkCallbacks*, 2> watermark_callbacks_;
  Buffer buffered_request_data_;
  Buffer buffered_response_data_;
  std::unique_ptr<Timer> idle_timer_;
  std::unique_ptr<Timer> request_timer_;
  std::unique_ptr<Timer> request_headers_timer_;
  uint64_t idle_deadline_ms_ = 0;
  std::chrono::milliseconds idle_timeout_{0};
  std::optional<const Route*> cached_route_;
  // The table the cached route came from. An inline table lives as long as the connection's
  // config; an RDS table is kept by the pin on the worker's tables it came from, so an RDS
  // update cannot free it mid-stream (no reference count per request).
  const RouteConfig* route_table_ = nullptr;
  RouteTablesPin route_tables_pin_;
  std::string local_reply_details_;
  std::string response_code_details_;
  std::string downstream_remote_address_;
  int upstream_above_watermark_ = 0;
  bool filters_destroyed_ = false;

  struct State {
    bool request_headers_received = false;
    bool request_complete = false;  // the codec delivered the whole request
    bool decoding_stopped = false;  // a decoder filter stopped iteration
    size_t decoding_stopped_at = 0;
    bool decode_headers_pending = false;  // headers not yet passed beyond the stopped filter
    bool decode_trailers_pending = false;
    bool decode_end_stream_pending = false;
    bool encoding_stopped = false;
    size_t encoding_stopped_at = 0;
    bool encode_headers_pending = false;
    bool encode_trailers_pending = false;
    bool encode_end_stream_pending = false;
    bool response_headers_sent = false;  // reached the codec
    bool response_complete = false;      // end of response reached the codec
    bool local_reply_in_progress = false;
    bool reset = false;
    bool finished = false;
    bool upgrade = false;
  } state_;
};

}  // namespace meshproxy::http
