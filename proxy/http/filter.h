#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "proxy/core/buffer.h"
#include "proxy/http/codec.h"
#include "proxy/http/header_map.h"
#include "proxy/http/route_config.h"

namespace meshproxy {
struct WorkerContext;
namespace accesslog {
struct StreamInfo;
}
namespace network {
class Connection;
}
}  // namespace meshproxy

// HTTP filters, Envoy-style: decoder filters see the request on its way to the upstream,
// encoder filters see the response on its way back. Each returns Continue or StopIteration.
namespace meshproxy::http {

enum class FilterHeadersStatus { kContinue, kStopIteration };
enum class FilterDataStatus {
  kContinue,
  // Hold the data until continue. Past the buffer limit: a request is answered 413, a
  // response 500 (or reset once its headers went out), as in Envoy.
  kStopIterationAndBuffer,
  // Hold the data until continue; past the buffer limit, apply backpressure instead (stop
  // reading the downstream request / pause the upstream response) until it is drained.
  kStopIterationAndWatermark,
  kStopIterationNoBuffer,  // the filter took the data
};
enum class FilterTrailersStatus { kContinue, kStopIteration };

// What a filter may add to a local reply (Envoy's sendLocalReply arguments).
struct LocalReplyOptions {
  // The grpc-status of the reply to a gRPC request; unset: httpToGrpcStatus(status).
  std::optional<uint32_t> grpc_status;
  // Called with the reply's headers before the encoder filters see them (extra headers such
  // as x-ratelimit-*, a filter's response_headers_to_add).
  std::function<void(HeaderMap&)> modify_headers;
};

// What a filter can ask of the stream it sits on.
class StreamFilterCallbacks {
 public:
  virtual ~StreamFilterCallbacks() = default;
  virtual WorkerContext& worker() = 0;
  virtual accesslog::StreamInfo& streamInfo() = 0;
  virtual const network::Connection& connection() = 0;
  // The route for the current request headers (matched once, cached); nullptr if none.
  virtual const Route* route() = 0;
  // Forgets the cached route after a filter changed what routing depends on.
  virtual void clearRouteCache() = 0;
  // This filter's per-route config (typed_per_filter_config keyed by the name the filter has in
  // the HTTP connection manager): the weighted cluster's, else the route's, else the virtual
  // host's, else the route configuration's; nullptr when none. Downcast to the filter's type.
  virtual const RouteSpecificFilterConfig* mostSpecificPerFilterConfig() = 0;
  // The random value the route was matched with; a weighted cluster picked with it is the one
  // whose per-route config mostSpecificPerFilterConfig() returned.
  virtual uint64_t routeRandom() = 0;
  virtual uint64_t streamId() const = 0;
};

// Told when the downstream can (not) take more response data, so the router can pause the
// upstream.
class DownstreamWatermarkCallbacks {
 public:
  virtual ~DownstreamWatermarkCallbacks() = default;
  virtual void onAboveWriteBufferHighWatermark() = 0;
  virtual void onBelowWriteBufferLowWatermark() = 0;
};

class StreamDecoderFilterCallbacks : public virtual StreamFilterCallbacks {
 public:
  // Resumes iteration after this filter returned StopIteration.
  virtual void continueDecoding() = 0;
  // Answers the request locally (400, 403, 503, ...). Goes through the encoder filters.
  // `details` becomes %RESPONSE_CODE_DETAILS% and the x-meshproxy-reason header.
  virtual void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) = 0;
  // The same with `extra_headers` added to the reply (Envoy's modify_headers), e.g.
  // x-envoy-overloaded on a circuit-breaker overflow.
  virtual void sendLocalReply(uint32_t status, std::string_view body, std::string_view details,
                              const HeaderMap& extra_headers) = 0;
  // The same with a gRPC status of the filter's choosing and extra response headers.
  virtual void sendLocalReply(uint32_t status, std::string_view body, std::string_view details,
                              const LocalReplyOptions& options) = 0;
  // Starts the response (the router's path for what the upstream sent).
  virtual void encode1xxHeaders(std::unique_ptr<HeaderMap> headers) = 0;
  virtual void encodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) = 0;
  virtual void encodeData(Buffer& data, bool end_stream) = 0;
  virtual void encodeTrailers(std::unique_ptr<HeaderMap> trailers) = 0;
  // The request headers as they are now (after earlier filters changed them).
  virtual HeaderMap* requestHeaders() = 0;
  // The filter's upstream side is full / drained: pause / resume reading the downstream.
  virtual void onDecoderFilterAboveWriteBufferHighWatermark() = 0;
  virtual void onDecoderFilterBelowWriteBufferLowWatermark() = 0;
  virtual void addDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& callbacks) = 0;
  virtual void removeDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& callbacks) = 0;
  // Bytes a filter may buffer (the connection's buffer limit).
  virtual uint32_t bufferLimit() const = 0;
  // Resets the downstream stream (HTTP/1: closes the connection).
  virtual void resetStream() = 0;

  // The request body held by the FilterManager for a stopped filter (what earlier
  // StopIterationAndBuffer/AndWatermark returns kept), nullptr when none. The chunk being
  // passed to decodeData is not in it until that call returns a stop (or addDecodedData).
  virtual const Buffer* decodingBuffer() = 0;
  // Edits the held request body in place (the filter that holds it).
  virtual void modifyDecodingBuffer(absl::FunctionRef<void(Buffer&)> callback) = 0;
  // Adds to the request body. From decodeHeaders of a headers-only request: the request gets
  // a body (the rest of the chain sees headers without end of stream, then this data). From
  // decodeData, or from no callback at all: appended to the held body (sent on continue).
  // From decodeTrailers: passed to the following filters at once, before the trailers.
  // `streaming`: past the buffer limit apply backpressure rather than 413.
  virtual void addDecodedData(Buffer& data, bool streaming) = 0;
  // Adds request trailers; only from decodeData with end_stream (the following filters see
  // the data without end of stream, then these trailers). Returns them to fill.
  virtual HeaderMap& addDecodedTrailers() = 0;
};

class StreamEncoderFilterCallbacks : public virtual StreamFilterCallbacks {
 public:
  virtual void continueEncoding() = 0;
  // Replaces the response with a local one (see StreamDecoderFilterCallbacks::sendLocalReply);
  // from an encoder filter it goes to the codec directly, or resets the stream once response
  // headers went out.
  virtual void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) = 0;
  virtual void sendLocalReply(uint32_t status, std::string_view body, std::string_view details,
                              const LocalReplyOptions& options) = 0;
  virtual HeaderMap* responseHeaders() = 0;
  // The response-side twins of decodingBuffer() and the rest.
  virtual const Buffer* encodingBuffer() = 0;
  virtual void modifyEncodingBuffer(absl::FunctionRef<void(Buffer&)> callback) = 0;
  virtual void addEncodedData(Buffer& data, bool streaming) = 0;
  virtual HeaderMap& addEncodedTrailers() = 0;
  // The filter's downstream side is full / drained: the producer (the router) should pause /
  // resume the upstream response (told to the DownstreamWatermarkCallbacks).
  virtual void onEncoderFilterAboveWriteBufferHighWatermark() = 0;
  virtual void onEncoderFilterBelowWriteBufferLowWatermark() = 0;
};

class StreamDecoderFilter {
 public:
  virtual ~StreamDecoderFilter() = default;
  virtual void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks& callbacks) = 0;
  virtual FilterHeadersStatus decodeHeaders(HeaderMap& headers, bool end_stream) = 0;
  virtual FilterDataStatus decodeData(Buffer& data, bool end_stream) = 0;
  virtual FilterTrailersStatus decodeTrailers(HeaderMap& trailers) = 0;
  // The stream is going away (complete or reset): cancel timers and upstream work. Called
  // once, never while the FilterManager is inside one of this filter's callbacks. A filter
  // that calls sendLocalReply/encode* from its own event (a timer, an upstream callback) may
  // get it before that call returns: touch nothing onDestroy released afterwards.
  virtual void onDestroy() {}
};

class StreamEncoderFilter {
 public:
  virtual ~StreamEncoderFilter() = default;
  virtual void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks& callbacks) = 0;
  virtual FilterHeadersStatus encodeHeaders(HeaderMap& headers, bool end_stream) = 0;
  virtual FilterDataStatus encodeData(Buffer& data, bool end_stream) = 0;
  virtual FilterTrailersStatus encodeTrailers(HeaderMap& trailers) = 0;
  virtual void onDestroy() {}
};

// Where a filter factory adds the filters of one stream. Decoder filters see the request in
// chain order; encoder filters see the response in the reverse order (Envoy's rule).
class FilterChainBuilder {
 public:
  virtual ~FilterChainBuilder() = default;
  virtual void addDecoderFilter(std::shared_ptr<StreamDecoderFilter> filter) = 0;
  virtual void addEncoderFilter(std::shared_ptr<StreamEncoderFilter> filter) = 0;
  // A filter of both directions: a decoder and an encoder filter that is told onDestroy() once.
  template <typename Filter>
  void addStreamFilter(std::shared_ptr<Filter> filter) {
    addStreamFilter(std::shared_ptr<StreamDecoderFilter>(filter),
                    std::shared_ptr<StreamEncoderFilter>(filter));
  }
  virtual void addStreamFilter(std::shared_ptr<StreamDecoderFilter> decoder,
                               std::shared_ptr<StreamEncoderFilter> encoder) = 0;
  // The configured name of the filters the factory about to run adds (the connection manager
  // sets it before each factory).
  virtual void setFilterConfigName(std::string_view name) = 0;
};

// Made once per filter config; called for every stream (Envoy's FilterFactoryCb).
using HttpFilterFactory = std::function<void(FilterChainBuilder&)>;

}  // namespace meshproxy::http
