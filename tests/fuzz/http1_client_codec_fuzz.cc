// libFuzzer target: the HTTP/1 client codec (proxy/http/http1/client_connection), as the
// upstream connection pool drives it: send a request, feed what the origin answers, reuse the
// connection for the next request from inside the end-of-response callback when it may.
//
// Input: 4 control bytes, then the bytes an origin sends (see fuzz_support.h). Fed whole and cut
// at points the control word chooses; both runs must agree. The control word also picks the
// request (GET, HEAD, POST with a length or chunked, an upgrade, CONNECT), how many requests go
// over the connection, a pause at response headers, small limits, and whether the origin closes
// the connection at the end.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/core/buffer.h"
#include "proxy/http/http1/client_connection.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/http1_codec_recorder.h"

namespace meshproxy::fuzz {
namespace {

using http::HeaderMap;

class RecordingOutput : public http::http1::Output {
 public:
  void write(Buffer& data) override {
    FUZZ_CHECK(!closed);
    written += data.toString();
    data.clear();
  }
  void readDisable(bool) override {}
  void close(network::CloseType) override { closed = true; }
  bool aboveWriteBufferHighWatermark() const override { return false; }

  std::string written;
  bool closed = false;
};

struct Behaviour {
  uint32_t method;
  bool close_at_end;
  bool small_limits;
  bool pause_at_headers;
  uint32_t requests;
  explicit Behaviour(uint32_t c)
      : method((c >> 8) & 7),
        close_at_end(c & (1u << 11)),
        small_limits(c & (1u << 12)),
        pause_at_headers(c & (1u << 13)),
        requests(1 + ((c >> 14) & 3)) {}
};

class Pool {
 public:
  Pool(http::http1::ClientConnectionImpl& codec, const Behaviour& behaviour)
      : codec_(codec), behaviour_(behaviour) {}

  void sendRequest() {
    auto exchange = std::make_unique<Exchange>();
    Exchange& ex = *exchange;
    exchanges_.push_back(std::move(exchange));
    FUZZ_CHECK(codec_.idle());
    http::RequestEncoder& encoder = codec_.newStream(ex.stream);
    ex.encoder = &encoder;
    encoder.stream().addCallbacks(ex.stream);
    ex.stream.on_headers = [this, &ex] {
      if (behaviour_.pause_at_headers && !ex.stream.ended) {
        ex.paused = true;
        ex.encoder->stream().readDisable(true);
      }
    };
    ex.stream.on_end = [this, &ex] {
      // The codec finishes the stream before the decoder hears of the end.
      FUZZ_CHECK(codec_.idle());
      if (ex.paused) ex.paused = false;  // the stream is over; nothing to resume
      if (codec_.reusable() && exchanges_.size() < behaviour_.requests) sendRequest();
    };

    HeaderMap headers;
    const uint32_t method = behaviour_.method % 6;
    static constexpr const char* kMethods[] = {"GET", "HEAD", "POST", "POST", "GET", "CONNECT"};
    headers.addLowercase(":method", kMethods[method]);
    headers.addLowercase(":scheme", "http");
    headers.addLowercase(":authority", "origin:8080");
    if (method != 5) headers.addLowercase(":path", "/r" + std::to_string(exchanges_.size()));
    if (method == 2) headers.addLowercase("content-length", "4");
    if (method == 4) {
      headers.addLowercase(":protocol", "websocket");
      headers.addLowercase("connection", "upgrade");
      headers.addLowercase("upgrade", "websocket");
    }
    if (method == 2 || method == 3) {
      encoder.encodeHeaders(headers, false);
      Buffer body;
      body.add("body");
      encoder.encodeData(body, true);
    } else {
      encoder.encodeHeaders(headers, method != 4 && method != 5);
    }
  }

  void resumePaused() {
    for (auto& ex : exchanges_) {
      if (ex->paused && !ex->stream.ended && !ex->stream.reset) {
        ex->paused = false;
        ex->encoder->stream().readDisable(false);
      }
    }
  }

  std::vector<std::string> describe() const {
    std::vector<std::string> out;
    for (const auto& ex : exchanges_) out.push_back(ex->stream.describe());
    return out;
  }

 private:
  struct Exchange {
    RecordingStream stream;
    http::RequestEncoder* encoder = nullptr;
    bool paused = false;
  };

  http::http1::ClientConnectionImpl& codec_;
  const Behaviour behaviour_;
  std::vector<std::unique_ptr<Exchange>> exchanges_;
};

struct Outcome {
  std::vector<std::string> streams;
  std::string written;
  std::string error;
  bool reusable = false;
  bool idle = false;
  bool operator==(const Outcome& o) const {
    // Whether the response failed, not the message: different splits may show the line
    // scanner or llhttp a problem first.
    return streams == o.streams && written == o.written && error.empty() == o.error.empty() &&
           reusable == o.reusable && idle == o.idle;
  }
};

Outcome run(std::string_view stream, const std::vector<size_t>& cuts, const Behaviour& behaviour) {
  http::http1::Http1Settings settings;
  if (behaviour.small_limits) {
    settings.max_response_headers_kb = 1;
    settings.max_headers_count = 8;
    settings.max_buffered_input_bytes = 64;
  }
  RecordingOutput output;
  Outcome outcome;
  http::http1::ClientConnectionImpl codec(output, settings);
  Pool pool(codec, behaviour);
  pool.sendRequest();
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(stream.size());
  bool failed = false;
  for (size_t end : ends) {
    Buffer piece;
    piece.add(stream.substr(start, end - start));
    start = end;
    absl::Status status = codec.dispatch(piece);
    if (!status.ok()) {
      FUZZ_CHECK(!status.message().empty());
      FUZZ_CHECK(!codec.reusable());
      outcome.error = std::string(status.message());
      failed = true;
      break;
    }
    pool.resumePaused();
  }
  if (!failed) {
    // An error in bytes held back while a stream was read-disabled is found when
    // readDisable(false) parses them, with no dispatch() to return it: the codec must then
    // have closed the connection itself (no caller got the error to do it), and dispatch()
    // returns the error from then on. Whole and split, the same bytes fail or do not.
    const bool closed_by_codec = output.closed;
    Buffer none;
    absl::Status status = codec.dispatch(none);
    if (!status.ok()) {
      FUZZ_CHECK(closed_by_codec);
      outcome.error = std::string(status.message());
      failed = true;
    }
  }
  if (!failed && behaviour.close_at_end) {
    codec.onConnectionClosed();
    FUZZ_CHECK(codec.idle());
  }
  outcome.streams = pool.describe();
  outcome.written = output.written;
  outcome.reusable = codec.reusable();
  outcome.idle = codec.idle();
  return outcome;
}

}  // namespace
}  // namespace meshproxy::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace meshproxy::fuzz;
  ControlledInput input;
  if (!splitControl(data, size, input)) return 0;
  if (input.stream.size() > 64 * 1024) return 0;
  const Behaviour behaviour(input.control);
  const Outcome whole = run(input.stream, {}, behaviour);
  const Outcome split =
      run(input.stream, cutPoints(input.control & 0xff, input.stream.size()), behaviour);
  if (!(whole == split)) {
    std::fprintf(stderr, "whole:\n");
    for (const auto& s : whole.streams) std::fprintf(stderr, "%s", s.c_str());
    std::fprintf(stderr, "error: %s reusable %d idle %d\nsplit:\n", whole.error.c_str(),
                 whole.reusable, whole.idle);
    for (const auto& s : split.streams) std::fprintf(stderr, "%s", s.c_str());
    std::fprintf(stderr, "error: %s reusable %d idle %d\n", split.error.c_str(), split.reusable,
                 split.idle);
    fail("the same bytes split differently gave a different outcome");
  }
  return 0;
}
