#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "proxy/accesslog/stream_info.h"
#include "proxy/core/buffer.h"
#include "proxy/http/filter.h"
#include "proxy/http/filter_manager.h"
#include "proxy/http/header_map.h"

// Fakes for driving a FilterManager without a codec or connection manager: scripted filters
// that log every call, and callbacks that record what leaves the encoder filters.
namespace meshproxy::http::testing {

// Every call any filter receives, in order, e.g. "a:decodeHeaders(end=0)".
using CallLog = std::vector<std::string>;

// A filter for both directions whose answers are scripted per callback. The default answers
// continue. Data arguments are recorded as text.
class ScriptedFilter : public StreamDecoderFilter, public StreamEncoderFilter {
 public:
  ScriptedFilter(std::string name, CallLog& log) : name_(std::move(name)), log_(log) {}

  std::function<FilterHeadersStatus(HeaderMap&, bool)> on_decode_headers;
  std::function<FilterDataStatus(Buffer&, bool)> on_decode_data;
  std::function<FilterTrailersStatus(HeaderMap&)> on_decode_trailers;
  std::function<FilterHeadersStatus(HeaderMap&, bool)> on_encode_headers;
  std::function<FilterDataStatus(Buffer&, bool)> on_encode_data;
  std::function<FilterTrailersStatus(HeaderMap&)> on_encode_trailers;

  StreamDecoderFilterCallbacks* decoder = nullptr;
  StreamEncoderFilterCallbacks* encoder = nullptr;
  int destroyed = 0;
  // Set while one of this filter's callbacks runs: onDestroy() must not come then.
  bool in_callback = false;
  bool destroyed_inside_callback = false;

  void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks& callbacks) override {
    decoder = &callbacks;
  }
  void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks& callbacks) override {
    encoder = &callbacks;
  }
  FilterHeadersStatus decodeHeaders(HeaderMap& headers, bool end_stream) override {
    record("decodeHeaders(end=" + std::to_string(end_stream) + ")");
    Scope scope(*this);
    return on_decode_headers ? on_decode_headers(headers, end_stream)
                             : FilterHeadersStatus::kContinue;
  }
  FilterDataStatus decodeData(Buffer& data, bool end_stream) override {
    record("decodeData(" + data.toString() + ",end=" + std::to_string(end_stream) + ")");
    Scope scope(*this);
    return on_decode_data ? on_decode_data(data, end_stream) : FilterDataStatus::kContinue;
  }
  FilterTrailersStatus decodeTrailers(HeaderMap& trailers) override {
    record("decodeTrailers");
    Scope scope(*this);
    return on_decode_trailers ? on_decode_trailers(trailers) : FilterTrailersStatus::kContinue;
  }
  FilterHeadersStatus encodeHeaders(HeaderMap& headers, bool end_stream) override {
    record("encodeHeaders(" + std::to_string(headers.status()) +
           ",end=" + std::to_string(end_stream) + ")");
    Scope scope(*this);
    return on_encode_headers ? on_encode_headers(headers, end_stream)
                             : FilterHeadersStatus::kContinue;
  }
  FilterDataStatus encodeData(Buffer& data, bool end_stream) override {
    record("encodeData(" + data.toString() + ",end=" + std::to_string(end_stream) + ")");
    Scope scope(*this);
    return on_encode_data ? on_encode_data(data, end_stream) : FilterDataStatus::kContinue;
  }
  FilterTrailersStatus encodeTrailers(HeaderMap& trailers) override {
    record("encodeTrailers");
    Scope scope(*this);
    return on_encode_trailers ? on_encode_trailers(trailers) : FilterTrailersStatus::kContinue;
  }
  void onDestroy() override {
    ++destroyed;
    if (in_callback) destroyed_inside_callback = true;
  }

 private:
  struct Scope {
    explicit Scope(ScriptedFilter& f) : filter(f), was(f.in_callback) { f.in_callback = true; }
    ~Scope() { filter.in_callback = was; }
    ScriptedFilter& filter;
    bool was;
  };
  void record(const std::string& call) { log_.push_back(name_ + ":" + call); }

  std::string name_;
  CallLog& log_;
};

// What reached the codec side, and what the FilterManager asked of its stream.
class FakeStream : public FilterManagerCallbacks {
 public:
  explicit FakeStream(CallLog& log) : log_(log) {}

  void encode1xxHeaders(HeaderMap& headers) override {
    log_.push_back("codec:1xx(" + std::to_string(headers.status()) + ")");
  }
  void encodeHeaders(HeaderMap& headers, bool end_stream) override {
    response_headers = headers;
    log_.push_back("codec:headers(" + std::to_string(headers.status()) +
                   ",end=" + std::to_string(end_stream) + ")");
    if (end_stream) onComplete();
  }
  void encodeData(Buffer& data, bool end_stream) override {
    body += data.toString();
    log_.push_back("codec:data(" + data.toString() + ",end=" + std::to_string(end_stream) + ")");
    data.clear();
    if (end_stream) onComplete();
  }
  void encodeTrailers(HeaderMap& trailers) override {
    response_trailers = trailers;
    log_.push_back("codec:trailers");
    onComplete();
  }
  void onDecoderFilterAboveWriteBufferHighWatermark() override { ++read_disabled; }
  void onDecoderFilterBelowWriteBufferLowWatermark() override { --read_disabled; }
  void resetStream() override {
    ++resets;
    log_.push_back("codec:reset");
  }
  void resetIdleTimer() override {}
  void onRequestDataTooLarge() override { ++too_large; }
  WorkerContext& worker() override {
    ADD_FAILURE() << "the fakes have no worker";
    std::abort();
  }
  const network::Connection& connection() override {
    ADD_FAILURE() << "the fakes have no connection";
    std::abort();
  }
  const Route* route() override { return route_; }
  void clearRouteCache() override {}
  uint64_t routeRandom() override { return 7; }

  const Route* route_ = nullptr;

  // Called when the response is complete, as ActiveStream then finishes the stream.
  std::function<void()> on_complete;
  HeaderMap response_headers;
  HeaderMap response_trailers;
  std::string body;
  bool complete = false;
  int read_disabled = 0;
  int resets = 0;
  int too_large = 0;

 private:
  void onComplete() {
    complete = true;
    if (on_complete) on_complete();
  }
  CallLog& log_;
};

inline std::unique_ptr<HeaderMap> requestHeaders(std::string_view method = "GET") {
  return std::make_unique<HeaderMap>(
      HeaderMap{{":method", method}, {":path", "/"}, {":authority", "example.com"}});
}

inline std::unique_ptr<HeaderMap> responseHeaders(uint32_t status = 200) {
  return std::make_unique<HeaderMap>(HeaderMap{{":status", std::to_string(status)}});
}

inline std::unique_ptr<HeaderMap> trailers() {
  return std::make_unique<HeaderMap>(HeaderMap{{"x-checksum", "abc"}});
}

inline Buffer bufferOf(std::string_view text) {
  Buffer b;
  b.add(text);
  return b;
}

}  // namespace meshproxy::http::testing
