// libFuzzer target: the HTTP/1 server codec (proxy/http/http1/server_connection) driven through
// its public dispatch API, as the connection manager drives it.
//
// Input: 4 control bytes, then the bytes a client sends (see fuzz_support.h). The stream is fed
// twice: whole, and cut at points the control word chooses; both runs must deliver the same
// messages, write the same bytes and end the same way. The control word also picks how the
// stand-in connection manager answers (at the end of the request, early at its headers, never,
// or by resetting; interim 100; chunked bodies with trailers; connection: close; accepting
// upgrades) and whether the header limits are small.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "proxy/core/buffer.h"
#include "proxy/http/http1/server_connection.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/http1_codec_recorder.h"

namespace meshproxy::fuzz {
namespace {

using http::HeaderMap;
using http::ResponseEncoder;

class RecordingOutput : public http::http1::Output {
 public:
  void write(Buffer& data) override {
    FUZZ_CHECK(!closed);
    written += data.toString();
    data.clear();
  }
  void readDisable(bool disable) override { read_disabled += disable ? 1 : -1; }
  void close(network::CloseType) override {
    FUZZ_CHECK(!closed);
    closed = true;
  }
  bool aboveWriteBufferHighWatermark() const override { return false; }

  std::string written;
  int read_disabled = 0;
  bool closed = false;
};

enum class Answer { kAtEnd = 0, kAtHeaders = 1, kNever = 2, kResetAtHeaders = 3 };

struct Behaviour {
  Answer answer;
  bool interim_100;
  bool chunked;
  bool connection_close;
  bool pause_at_headers;
  bool small_limits;
  bool accept_upgrade;
  // headers_with_underscores_action: ALLOW, REJECT_REQUEST or DROP_HEADER.
  http::HeadersWithUnderscoresAction underscores;
  explicit Behaviour(uint32_t c)
      : answer(static_cast<Answer>((c >> 8) & 3)),
        interim_100(c & (1u << 10)),
        chunked(c & (1u << 11)),
        connection_close(c & (1u << 12)),
        pause_at_headers(c & (1u << 13)),
        small_limits(c & (1u << 14)),
        accept_upgrade(c & (1u << 15)),
        underscores(static_cast<http::HeadersWithUnderscoresAction>(((c >> 16) & 3) % 3)) {}
};

// The connection manager stand-in: one RecordingRequest per request, answered per Behaviour.
class Server : public http::ServerConnectionCallbacks {
 public:
  explicit Server(const Behaviour& behaviour) : behaviour_(behaviour) {}

  http::RequestDecoder& newStream(ResponseEncoder& encoder) override {
    // HTTP/1 is one exchange at a time: the previous one must be over.
    if (!exchanges_.empty()) {
      const Exchange& last = *exchanges_.back();
      FUZZ_CHECK(last.responded || last.stream.reset);
    }
    auto exchange = std::make_unique<Exchange>();
    Exchange& ex = *exchange;
    ex.encoder = &encoder;
    encoder.stream().addCallbacks(ex.stream);
    // Malformed input: the codec asks the stream to answer it, as it asks ActiveStream.
    ex.stream.on_local_reply = [this, &ex](uint32_t status) { answerError(ex, status); };
    ex.stream.on_headers = [this, &ex] { onHeaders(ex); };
    ex.stream.on_end = [this, &ex] {
      if (ex.paused) {
        ex.paused = false;
        ex.encoder->stream().readDisable(false);
      }
      if (behaviour_.answer == Answer::kAtEnd) respond(ex);
    };
    exchanges_.push_back(std::move(exchange));
    return ex.stream;
  }

  // After each dispatch: lift a pause taken at headers (a filter that resumes later).
  void resumePaused() {
    for (auto& ex : exchanges_) {
      if (ex->paused && !ex->stream.reset && !ex->responded) {
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
    RecordingRequest stream;
    ResponseEncoder* encoder = nullptr;
    bool responded = false;
    bool response_started = false;
    bool paused = false;
  };

  // What the connection manager does when the codec asks for a local reply: answer on that
  // stream unless its response has started.
  void answerError(Exchange& ex, uint32_t status) {
    if (ex.responded || ex.stream.reset || ex.response_started) return;
    HeaderMap headers;
    headers.addLowercase(":status", std::to_string(status));
    headers.addLowercase("content-length", "0");
    ex.responded = true;
    ex.encoder->encodeHeaders(headers, true);
  }

  void onHeaders(Exchange& ex) {
    if (behaviour_.pause_at_headers && !ex.stream.ended) {
      ex.paused = true;
      ex.encoder->stream().readDisable(true);
    }
    if (behaviour_.answer == Answer::kResetAtHeaders) {
      ex.encoder->stream().resetStream(http::StreamResetReason::kLocalReset);
      return;
    }
    const bool tunnel = ex.stream.headers->method() == "CONNECT" ||
                        ex.stream.headers->has(http::headers::kProtocol);
    if (behaviour_.answer == Answer::kAtHeaders || (tunnel && behaviour_.accept_upgrade)) {
      respond(ex);
    }
  }

  void respond(Exchange& ex) {
    if (ex.responded || ex.stream.reset) return;
    ex.responded = true;
    ex.response_started = true;
    ResponseEncoder& encoder = *ex.encoder;
    if (behaviour_.interim_100) {
      HeaderMap interim;
      interim.addLowercase(":status", "100");
      encoder.encode1xxHeaders(interim);
    }
    const bool tunnel =
        behaviour_.accept_upgrade && (ex.stream.headers->method() == "CONNECT" ||
                                      ex.stream.headers->has(http::headers::kProtocol));
    HeaderMap headers;
    if (tunnel) {
      const bool connect = ex.stream.headers->method() == "CONNECT";
      headers.addLowercase(":status", connect ? "200" : "101");
      if (!connect) headers.addLowercase("upgrade", "websocket");
      encoder.encodeHeaders(headers, false);
      Buffer data;
      data.add("tunnel bytes");
      encoder.encodeData(data, false);
      return;  // a tunnel stays open until a side closes
    }
    const std::string body = "response " + std::to_string(exchanges_.size());
    headers.addLowercase(":status", "200");
    if (!behaviour_.chunked) headers.addLowercase("content-length", std::to_string(body.size()));
    if (behaviour_.connection_close) headers.addLowercase("connection", "close");
    encoder.encodeHeaders(headers, false);
    Buffer data;
    data.add(body);
    if (behaviour_.chunked) {
      encoder.encodeData(data, false);
      HeaderMap trailers;
      trailers.addLowercase("x-trailer", "t");
      encoder.encodeTrailers(trailers);
    } else {
      encoder.encodeData(data, true);
    }
  }

  const Behaviour behaviour_;
  std::vector<std::unique_ptr<Exchange>> exchanges_;
};

struct Outcome {
  std::vector<std::string> streams;
  std::string written;
  // The status a codec error is answered with. Its message may name a different problem
  // for different splits (the line scanner and llhttp each see the bytes they are given
  // first); the answer may not differ.
  std::string error;
  bool closed = false;
  bool operator==(const Outcome& o) const {
    return streams == o.streams && written == o.written &&
           error.substr(0, 3) == o.error.substr(0, 3) && closed == o.closed;
  }
};

Outcome run(std::string_view stream, const std::vector<size_t>& cuts, const Behaviour& behaviour) {
  http::http1::Http1Settings settings;
  settings.headers_with_underscores_action = behaviour.underscores;
  if (behaviour.small_limits) {
    settings.max_request_headers_kb = 1;
    settings.max_headers_count = 8;
    settings.max_buffered_input_bytes = 64;
  }
  RecordingOutput output;
  Server server(behaviour);
  Outcome outcome;
  {
    http::http1::ServerConnectionImpl codec(output, server, settings);
    size_t start = 0;
    std::vector<size_t> ends = cuts;
    ends.push_back(stream.size());
    for (size_t end : ends) {
      Buffer piece;
      piece.add(stream.substr(start, end - start));
      start = end;
      absl::Status status = codec.dispatch(piece);
      FUZZ_CHECK(piece.empty());  // dispatch takes what it is given
      if (!status.ok()) {
        FUZZ_CHECK(!status.message().empty());
        const uint32_t code = http::httpStatusForCodecError(status);
        FUZZ_CHECK(code == 400 || code == 431 || code == 413 || code == 501 || code == 505);
        outcome.error = std::to_string(code) + " (" + std::string(status.message()) + ")";
        FUZZ_CHECK(codec.wantsToClose());
        break;
      }
      server.resumePaused();
    }
  }
  outcome.streams = server.describe();
  outcome.written = output.written;
  outcome.closed = output.closed;
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
    std::fprintf(stderr, "written: %s\nerror: %s closed %d\nsplit:\n", whole.written.c_str(),
                 whole.error.c_str(), whole.closed);
    for (const auto& s : split.streams) std::fprintf(stderr, "%s", s.c_str());
    std::fprintf(stderr, "written: %s\nerror: %s closed %d\n", split.written.c_str(),
                 split.error.c_str(), split.closed);
    fail("the same bytes split differently gave a different outcome");
  }
  return 0;
}
