#pragma once

#include <cstdint>
#include <memory>
#include <optional>
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
  virtual uint64_t routeRandom() = 0;
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
  // `name` must outlive the FilterManager (it lives in the connection manager's config).
  void setFilterConfigName(std::string_view name) override { filter_config_name_ = name; }

  // The request as the codec delivers it. The headers are set first (the stream sanitizes them
  // before any filter runs), then decodeHeaders() starts the filters.
  void setRequestHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream);
  void decodeHeaders();
  void decodeData(Buffer& data, bool end_stream);
  void decodeTrailers(std::unique_ptr<HeaderMap> trailers);

  // Answers the request locally (Envoy's sendLocalReply): `status` with `body`, or for a gRPC
  // request a trailers-only gRPC status (local_reply.h); `details` becomes
  // %RESPONSE_CODE_DETAILS% and the x-meshproxy-reason header. The request goes no further.
  // - Nothing of a response yet: the reply passes the encoder filters like any response.
  // - Encoder filters hold a response whose headers the codec has not seen: the reply goes
  //   to the codec directly (those filters' state belongs to the other response).
  // - Response headers already reached the codec: the stream is reset instead.
  // `options` (may be null): the gRPC status and extra headers a filter asked for.
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details,
                      const LocalReplyOptions* options = nullptr);

  // The downstream can(not) take more response data; told to the watermark subscribers.
  void onDownstreamAboveWriteBufferHighWatermark();
  void onDownstreamBelowWriteBufferLowWatermark();

  // The stream is over (complete or reset): no filter is called again, and each gets
  // onDestroy() once; if this happens inside a filter's callback (a local reply that completed
  // the response), after that callback returns.
  void onStreamFinished();

  HeaderMap* requestHeaders() const { return decode_.headers.get(); }
  HeaderMap* requestTrailers() const { return decode_.trailers.get(); }
  HeaderMap* responseHeaders() const { return encode_.headers.get(); }
  HeaderMap* responseTrailers() const { return encode_.trailers.get(); }
  // The whole request came from the codec.
  bool remoteDecodeComplete() const { return decode_.complete; }
  bool responseHeadersSent() const { return state_.response_headers_sent; }
  // The end of the response reached the codec.
  bool responseComplete() const { return state_.response_complete; }
  uint32_t bufferLimit() const { return buffer_limit_; }
  uint64_t streamId() const { return stream_id_; }

 private:
  struct FilterEntry;
  struct DecoderFilter;
  struct EncoderFilter;
  friend struct FilterEntry;
  friend struct DecoderFilter;
  friend struct EncoderFilter;

  // One direction: the request through the decoder filters, or the response through the
  // encoder filters. The iteration below is written once for both.
  struct Chain {
    // Out of line: FilterEntry is complete only in the .cc.
    explicit Chain(bool is_decode);
    ~Chain();
    const bool decode;
    // Inline: a chain is a handful of filters, and these are built once per request.
    absl::InlinedVector<std::unique_ptr<FilterEntry>, 4> filters;
    std::unique_ptr<HeaderMap> headers;
    std::unique_ptr<HeaderMap> trailers;
    // Data held for a stopped filter (StopIterationAndBuffer), or an empty body standing for
    // the end of stream a NoBuffer filter withheld; set means "continue has data to pass".
    std::optional<Buffer> buffered;
    // Request: the codec delivered the end. Response: the filter producing it did.
    bool complete = false;
    // Iteration of this chain must stop: a local reply or a reset happened inside it.
    bool aborted = false;
    // Past the buffer limit, backpressure (StopIterationAndWatermark, streaming
    // addDecodedData) instead of 413/500; above_limit: that backpressure is applied.
    bool streaming = false;
    bool above_limit = false;
    // Which callback of this chain's filters is running (addDecodedData depends on it).
    enum class Call : uint8_t { kNone, kHeaders, kData, kTrailers } calling = Call::kNone;
  };

  // The iteration: from filter `start` of `chain` onward. A filter that does not continue
  // stops the headers (and what follows) at itself until it calls continue; data and trailers
  // still reach it (Envoy's StopIteration is a single-iteration stop).
  void iterateHeaders(Chain& chain, size_t start, bool end_stream);
  void iterateData(Chain& chain, size_t start, Buffer& data, bool end_stream);
  void iterateTrailers(Chain& chain, size_t start);
  // Bookkeeping after a filter's data callback; false when iteration stops there.
  bool afterData(Chain& chain, FilterEntry& entry, FilterDataStatus status, Buffer& data);
  void bufferData(Chain& chain, Buffer& data);
  void onBufferedDataDrained(Chain& chain);
  // addDecodedData/addEncodedData and addDecodedTrailers/addEncodedTrailers.
  void addData(Chain& chain, FilterEntry& entry, Buffer& data, bool streaming);
  HeaderMap& addTrailers(Chain& chain);
  // continueDecoding()/continueEncoding() of the filter at `index`.
  void continueFrom(Chain& chain, size_t index);
  bool canContinue(const Chain& chain) const;
  // Iteration of `chain` must end now: the stream is over, a local reply cut it short, or
  // (request side) the response is already complete.
  bool interrupted(const Chain& chain) const {
    return state_.finished || chain.aborted || (chain.decode && encode_.complete);
  }

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
  void addDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& callbacks);
  void removeDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& callbacks);
  void destroyFilters();
  const RouteSpecificFilterConfig* perFilterConfig(std::string_view filter_name);
  // Around every call into a filter: teardown waits until no filter callback is running.
  struct CallScope;

  FilterManagerCallbacks& callbacks_;
  accesslog::StreamInfo& info_;
  const uint64_t stream_id_;
  const uint32_t buffer_limit_;
  std::string_view filter_config_name_;
  Chain decode_{true};
  Chain encode_{false};
  absl::InlinedVector<DownstreamWatermarkCallbacks*, 2> watermark_callbacks_;
  std::string response_code_details_;
  int upstream_above_watermark_ = 0;
  // Downstream high watermarks not yet matched by a low one: told to late subscribers.
  int downstream_above_watermark_ = 0;

  struct State {
    bool response_headers_sent = false;  // reached the codec
    bool response_complete = false;      // end of response reached the codec
    bool destroyed = false;              // filters were told onDestroy()
    bool destroy_pending = false;        // ... once the running filter callback returns
    bool finished = false;               // the stream is over
    uint32_t call_depth = 0;             // filter callbacks on the stack
  } state_;
};

}  // namespace meshproxy::http
