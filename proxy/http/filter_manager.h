#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/buffer.h"
#include "proxy/http/filter.h"
#include "proxy/http/header_map.h"

namespace meshproxy {
struct WorkerContext;
namespace network {
class Connection;
}
}  // namespace meshproxy

namespace meshproxy::http {

// What the FilterManager needs from the stream that owns it: where the response goes after the
// last encoder filter, and what filters may ask of the stream. ActiveStream implements it for
// downstream requests; tests implement it with fakes.
class FilterManagerCallbacks {
 public:
  virtual ~FilterManagerCallbacks() = default;
  // The response, past every encoder filter: to the codec.
  virtual void encode1xxHeaders(HeaderMap& headers) = 0;
  virtual void encodeHeaders(HeaderMap& headers, bool end_stream) = 0;
  virtual void encodeData(Buffer& data, bool end_stream) = 0;
  virtual void encodeTrailers(HeaderMap& trailers) = 0;
  // A decoder filter's upstream side is full / drained: pause / resume reading the request.
  virtual void onDecoderFilterAboveWriteBufferHighWatermark() = 0;
  virtual void onDecoderFilterBelowWriteBufferLowWatermark() = 0;
  // A filter resets the stream.
  virtual void resetStream() = 0;
  // Response activity: the stream is not idle.
  virtual void resetIdleTimer() = 0;
  // The request body went over the buffer limit; a 413 follows.
  virtual void onRequestDataTooLarge() = 0;
  // What filters reach through their callbacks.
  virtual WorkerContext& worker() = 0;
  virtual const network::Connection& connection() = 0;
  virtual const Route* route() = 0;
  virtual void clearRouteCache() = 0;
};

// Runs the HTTP filters of one stream, Envoy's FilterManager at our size: the request through
// the decoder filters in order, the response through the encoder filters, with stop/continue,
// buffering up to the buffer limit, local replies and watermarks. Knows neither the codec nor
// the connection manager (FilterManagerCallbacks stands for both), so it is tested with fake
// filters alone.
class FilterManager : public FilterChainBuilder {
 public:
  FilterManager(FilterManagerCallbacks& callbacks, accesslog::StreamInfo& info, uint64_t stream_id,
                uint32_t buffer_limit);
  ~FilterManager() override;

  // FilterChainBuilder: the filter factories add the stream's filters here.
  void addDecoderFilter(std::shared_ptr<StreamDecoderFilter> filter) override;
  void addEncoderFilter(std::shared_ptr<StreamEncoderFilter> filter) override;
  void addStreamFilter(std::shared_ptr<StreamDecoderFilter> decoder,
                       std::shared_ptr<StreamEncoderFilter> encoder) override;
  using FilterChainBuilder::addStreamFilter;

  // The request as the codec delivers it. The headers are set first (the stream sanitizes them
  // before any filter runs), then decodeHeaders() starts the filters.
  void setRequestHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream);
  void decodeHeaders();
  void decodeData(Buffer& data, bool end_stream);
  void decodeTrailers(std::unique_ptr<HeaderMap> trailers);

  // Answers the request locally: `status` with `body`; `details` becomes
  // %RESPONSE_CODE_DETAILS% and the x-meshproxy-reason header. Once response headers reached
  // the codec, resets the stream instead.
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details);

  // The downstream can(not) take more response data; told to the watermark subscribers.
  void onDownstreamAboveWriteBufferHighWatermark();
  void onDownstreamBelowWriteBufferLowWatermark();

  // The stream is over (complete or reset): filters get onDestroy() (once) and no further call.
  void onStreamFinished();

  HeaderMap* requestHeaders() const { return request_headers_.get(); }
  HeaderMap* requestTrailers() const { return request_trailers_.get(); }
  HeaderMap* responseHeaders() const { return response_headers_.get(); }
  HeaderMap* responseTrailers() const { return response_trailers_.get(); }
  // The whole request came from the codec.
  bool remoteDecodeComplete() const { return state_.request_complete; }
  bool responseHeadersSent() const { return state_.response_headers_sent; }
  // The end of the response reached the codec.
  bool responseComplete() const { return state_.response_complete; }
  bool localReplyInProgress() const { return state_.local_reply_in_progress; }
  uint32_t bufferLimit() const { return buffer_limit_; }
  uint64_t streamId() const { return stream_id_; }

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

  // From the decoder filters (the router) toward the downstream.
  void encode1xx(std::unique_ptr<HeaderMap> headers);
  void encodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream);
  void encodeData(Buffer& data, bool end_stream);
  void encodeTrailers(std::unique_ptr<HeaderMap> trailers);

  // Final step to the codec.
  void writeHeaders(bool end_stream);
  void writeData(Buffer& data, bool end_stream);
  void writeTrailers();

  void onDecoderFilterAboveWriteBufferHighWatermark();
  void onDecoderFilterBelowWriteBufferLowWatermark();
  void destroyFilters();

  FilterManagerCallbacks& callbacks_;
  accesslog::StreamInfo& info_;
  const uint64_t stream_id_;
  const uint32_t buffer_limit_;
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
  std::string response_code_details_;
  int upstream_above_watermark_ = 0;

  struct State {
    bool request_complete = false;  // the codec delivered the whole request
    bool decoding_stopped = false;  // a decoder filter stopped iteration
    size_t decoding_stopped_at = 0;
    bool decode_trailers_pending = false;
    bool encoding_stopped = false;
    size_t encoding_stopped_at = 0;
    bool encode_trailers_pending = false;
    bool encode_end_stream_pending = false;
    bool response_headers_sent = false;  // reached the codec
    bool response_complete = false;      // end of response reached the codec
    bool local_reply_in_progress = false;
    bool destroyed = false;  // filters were told onDestroy()
    bool finished = false;   // the stream is over
  } state_;
};

}  // namespace meshproxy::http
