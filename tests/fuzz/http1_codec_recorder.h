#pragma once

// A stream decoder for the HTTP/1 codec fuzzers: records what the codec delivered, in a form
// that can be compared across splits of the same bytes, and aborts when the codec breaks the
// stream contract of proxy/http/codec.h (headers first and once, nothing after the end or
// after a reset).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/core/buffer.h"
#include "proxy/http/codec.h"
#include "proxy/http/header_map.h"
#include "tests/fuzz/fuzz_support.h"

namespace meshproxy::fuzz {

// Records what a codec delivers on one stream and checks the order of the calls. `Decoder` is
// http::StreamDecoder for responses, http::RequestDecoder for requests (RecordingRequest).
template <class Decoder>
class RecordingStreamT : public Decoder, public http::StreamCallbacks {
 public:
  void decodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) override {
    FUZZ_CHECK(!got_headers);
    FUZZ_CHECK(!ended && !reset);
    FUZZ_CHECK(headers != nullptr);
    got_headers = true;
    log += "headers:\n";
    for (const auto& [name, value] : headers->entries()) log += name + ": " + value + "\n";
    this->headers = std::move(headers);
    if (on_headers) on_headers();
    if (end_stream) end("headers");
  }
  void decodeData(Buffer& data, bool end_stream) override {
    FUZZ_CHECK(got_headers);
    FUZZ_CHECK(!ended && !reset);
    body += data.toString();
    data.clear();
    if (end_stream) end("data");
  }
  void decodeTrailers(std::unique_ptr<http::HeaderMap> trailers) override {
    FUZZ_CHECK(got_headers);
    FUZZ_CHECK(!ended && !reset);
    log += "trailers:\n";
    for (const auto& [name, value] : trailers->entries()) log += name + ": " + value + "\n";
    end("trailers");
  }
  void onResetStream(http::StreamResetReason reason) override {
    FUZZ_CHECK(!reset);
    reset = true;
    log += "reset: " + std::string(http::toString(reason)) + "\n";
  }

  std::string describe() const { return log + "body: [" + body + "]\n"; }

  std::unique_ptr<http::HeaderMap> headers;
  std::string log;
  std::string body;
  bool got_headers = false;
  bool ended = false;
  bool reset = false;
  std::function<void()> on_headers;
  std::function<void()> on_end;

 private:
  void end(const char* where) {
    ended = true;
    log += std::string("end on ") + where + "\n";
    if (on_end) on_end();
  }
};

using RecordingStream = RecordingStreamT<http::StreamDecoder>;

// A request stream: the server codec asks it to answer malformed input (sendLocalReply), as it
// asks the connection manager's ActiveStream. The status goes into the log; the details do
// not, since they may name a different problem for different splits of the same bytes.
class RecordingRequest : public RecordingStreamT<http::RequestDecoder> {
 public:
  void sendLocalReply(uint32_t status, std::string_view, std::string_view) override {
    this->log += "local reply: " + std::to_string(status) + "\n";
    if (on_local_reply) on_local_reply(status);
  }
  std::function<void(uint32_t status)> on_local_reply;
};

}  // namespace meshproxy::fuzz
