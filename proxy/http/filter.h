#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

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
  kStopIterationAndBuffer,  // hold the data (bounded by the buffer limit) until continue
  kStopIterationNoBuffer,   // the filter took the data
};
enum class FilterTrailersStatus { kContinue, kStopIteration };

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
};

class StreamEncoderFilterCallbacks : public virtual StreamFilterCallbacks {
 public:
  virtual void continueEncoding() = 0;
  // Replaces the response with a local one (see StreamDecoderFilterCallbacks::sendLocalReply);
  // from an encoder filter it goes to the codec directly, or resets the stream once response
  // headers went out.
  virtual void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) = 0;
  virtual HeaderMap* responseHeaders() = 0;
};

class StreamDecoderFilter {
 public:
  virtual ~StreamDecoderFilter() = default;
  virtual void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks& callbacks) = 0;
  virtual FilterHeadersStatus decodeHeaders(HeaderMap& headers, bool end_stream) = 0;
  virtual FilterDataStatus decodeData(Buffer& data, bool end_stream) = 0;
  virtual FilterTrailersStatus decodeTrailers(HeaderMap& trailers) = 0;
  // The stream is going away (complete or reset): cancel timers and upstream work.
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
};

// Made once per filter config; called for every stream (Envoy's FilterFactoryCb).
using HttpFilterFactory = std::function<void(FilterChainBuilder&)>;

}  // namespace meshproxy::http
