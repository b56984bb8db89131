#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proxy/core/buffer.h"
#include "proxy/http/codec.h"
#include "proxy/http/header_map.h"
#include "proxy/http/http1/output.h"

// Fakes for driving the HTTP/1 codecs without sockets: an Output that records bytes, and a
// decoder that records what the codec delivered in a form that can be compared across
// different splits of the same input.
namespace meshproxy::http::http1::testing {

class FakeOutput : public Output {
 public:
  void write(Buffer& data) override {
    written += data.toString();
    data.clear();
    ++writes;
  }
  void readDisable(bool disable) override { read_disable_count += disable ? 1 : -1; }
  void close(network::CloseType type) override {
    ++close_calls;
    closed = true;
    close_type = type;
    if (on_close) on_close();
  }
  bool aboveWriteBufferHighWatermark() const override { return above_high_watermark; }

  std::string take() { return std::exchange(written, std::string()); }

  std::string written;
  int writes = 0;
  int read_disable_count = 0;
  int close_calls = 0;
  bool closed = false;
  network::CloseType close_type = network::CloseType::kNoFlush;
  bool above_high_watermark = false;
  std::function<void()> on_close;
};

inline std::string formatHeaders(const HeaderMap& headers) {
  std::string out;
  for (const auto& [name, value] : headers.entries()) {
    out += name;
    out += ": ";
    out += value;
    out += "\n";
  }
  return out;
}

// Everything a codec delivered for one message.
class RecordingDecoder : public RequestDecoder, public StreamCallbacks {
 public:
  // What the codec asked to answer (server side: malformed input).
  struct LocalReply {
    uint32_t status;
    std::string body;
    std::string details;
  };
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) override {
    local_replies.push_back({status, std::string(body), std::string(details)});
    if (on_local_reply) on_local_reply();
  }
  void decodeHeaders(std::unique_ptr<HeaderMap> h, bool end_stream) override {
    ++header_calls;
    headers = std::move(h);
    if (end_stream) markEnd("headers");
  }
  void decodeData(Buffer& data, bool end_stream) override {
    ++data_calls;
    body += data.toString();
    data.clear();
    if (end_stream) markEnd("data");
  }
  void decodeTrailers(std::unique_ptr<HeaderMap> t) override {
    trailers = std::move(t);
    markEnd("trailers");
  }
  void onResetStream(StreamResetReason reason) override { resets.push_back(reason); }
  void onAboveWriteBufferHighWatermark() override { ++above_watermark_calls; }
  void onBelowWriteBufferLowWatermark() override { ++below_watermark_calls; }

  bool complete() const { return !end_on.empty(); }
  // A split-independent description: headers, body, trailers and where the end came.
  std::string describe() const {
    std::string out = "headers:\n";
    if (headers != nullptr) out += formatHeaders(*headers);
    out += "body: [" + body + "]\n";
    if (trailers != nullptr) out += "trailers:\n" + formatHeaders(*trailers);
    out += "end on: " + end_on + "\n";
    return out;
  }

  std::unique_ptr<HeaderMap> headers;
  std::unique_ptr<HeaderMap> trailers;
  std::string body;
  std::string end_on;
  int header_calls = 0;
  int data_calls = 0;
  int above_watermark_calls = 0;
  int below_watermark_calls = 0;
  std::vector<StreamResetReason> resets;
  std::vector<LocalReply> local_replies;
  // Runs on sendLocalReply (to write the answer from inside the codec, as ActiveStream does).
  std::function<void()> on_local_reply;
  // Runs when the message ends (to answer from inside the codec callback).
  std::function<void()> on_end;

 private:
  void markEnd(const char* where) {
    end_on = where;
    if (on_end) on_end();
  }
};

// The connection manager stand-in: one RecordingDecoder per stream, subscribed to the
// stream's callbacks.
class FakeServerCallbacks : public ServerConnectionCallbacks {
 public:
  struct Exchange {
    std::unique_ptr<RecordingDecoder> decoder;
    ResponseEncoder* encoder;
  };

  RequestDecoder& newStream(ResponseEncoder& encoder) override {
    auto decoder = std::make_unique<RecordingDecoder>();
    RecordingDecoder& ref = *decoder;
    encoder.stream().addCallbacks(*decoder);
    exchanges.push_back({std::move(decoder), &encoder});
    if (on_new_stream) on_new_stream(exchanges.size() - 1);
    return ref;
  }

  RecordingDecoder& decoder(size_t i) { return *exchanges.at(i).decoder; }
  ResponseEncoder& encoder(size_t i) { return *exchanges.at(i).encoder; }

  std::vector<Exchange> exchanges;
  std::function<void(size_t)> on_new_stream;
};

inline std::unique_ptr<HeaderMap> responseHeaders(
    std::string_view status,
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {}) {
  auto headers = std::make_unique<HeaderMap>();
  headers->addLowercase(":status", std::string(status));
  for (const auto& [name, value] : fields) headers->add(name, value);
  return headers;
}

inline Buffer bufferOf(std::string_view s) {
  Buffer b;
  b.add(s);
  return b;
}

}  // namespace meshproxy::http::http1::testing
