#pragma once

// A stream decoder for the HTTP/1 codec fuzzers: records what the codec delivered, in a form
// that can be compared across splits of the same bytes, and aborts when the codec breaks the
// stream contract of proxy/http/codec.h (headers first and once, nothing after the end or
// after a reset).

#include <functional>
#include <memory>
#include <string>

#include "proxy/core/buffer.h"
#include "proxy/http/codec.h"
#include "proxy/http/header_map.h"
#include "tests/fuzz/fuzz_support.h"

namespace meshproxy::fuzz {

class RecordingStream : public http::StreamDecoder, public http::StreamCallbacks {
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

}  // namespace meshproxy::fuzz
