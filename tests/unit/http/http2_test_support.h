#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "proxy/core/buffer.h"
#include "proxy/http/http2/client_connection.h"
#include "proxy/http/http2/output.h"
#include "proxy/http/http2/server_connection.h"
#include "tests/unit/http/http1_test_support.h"

// Fakes for driving the HTTP/2 codecs without sockets: an Output that keeps the frames, a
// client and a server codec wired back to back, a raw frame builder (with nghttp2's HPACK
// encoder) for input a well-behaved client would never send, and a frame reader for what the
// codec wrote.
namespace meshproxy::http::http2::testing {

using http1::testing::bufferOf;
using http1::testing::FakeServerCallbacks;
using http1::testing::formatHeaders;
using http1::testing::RecordingDecoder;

class BufferOutput : public Output {
 public:
  void write(Buffer& data) override {
    ++writes;
    pending.move(data);
  }
  void close(network::CloseType type) override {
    ++close_calls;
    closed = true;
    close_type = type;
  }
  Buffer pending;
  int writes = 0;
  int close_calls = 0;
  bool closed = false;
  network::CloseType close_type = network::CloseType::kNoFlush;
};

class RecordingConnectionCallbacks : public ClientConnectionCallbacks {
 public:
  void onGoAway(GoAwayErrorCode error_code) override { goaways.push_back(error_code); }
  void onMaxConcurrentStreamsChanged(uint32_t value) override {
    max_concurrent_streams.push_back(value);
  }
  std::vector<GoAwayErrorCode> goaways;
  std::vector<uint32_t> max_concurrent_streams;
};

// Our client codec talking to our server codec.
struct CodecPair {
  explicit CodecPair(Http2Settings client_settings = {}, Http2Settings server_settings = {})
      : server(server_out, server_callbacks, server_settings),
        client(client_out, &client_callbacks, client_settings) {
    pump();
  }

  // Moves bytes both ways until neither side has anything to say (bounded).
  void pump() {
    for (int i = 0; i < 1000; ++i) {
      if (client_out.pending.empty() && server_out.pending.empty()) return;
      if (!client_out.pending.empty() && !server_out.closed) {
        Buffer chunk;
        chunk.move(client_out.pending);
        server_status = server.dispatch(chunk);
      } else {
        client_out.pending.clear();
      }
      if (!server_out.pending.empty() && !client_out.closed) {
        Buffer chunk;
        chunk.move(server_out.pending);
        client_status = client.dispatch(chunk);
      } else {
        server_out.pending.clear();
      }
    }
  }

  // Starts a request; the returned decoder records the response and resets.
  RequestEncoder& request(RecordingDecoder& decoder) {
    RequestEncoder& encoder = client.newStream(decoder);
    encoder.stream().addCallbacks(decoder);
    return encoder;
  }

  BufferOutput client_out;
  BufferOutput server_out;
  FakeServerCallbacks server_callbacks;
  RecordingConnectionCallbacks client_callbacks;
  ServerConnectionImpl server;
  ClientConnectionImpl client;
  absl::Status server_status;
  absl::Status client_status;
};

inline std::unique_ptr<HeaderMap> makeHeaders(
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  auto headers = std::make_unique<HeaderMap>();
  for (const auto& [name, value] : fields)
    headers->addLowercase(std::string(name), std::string(value));
  return headers;
}

// ---- raw frames ----------------------------------------------------------------------------

inline constexpr std::string_view kClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

inline std::string frame(uint8_t type, uint8_t flags, uint32_t stream_id,
                         std::string_view payload = {}) {
  std::string out;
  const size_t n = payload.size();
  out.push_back(static_cast<char>((n >> 16) & 0xff));
  out.push_back(static_cast<char>((n >> 8) & 0xff));
  out.push_back(static_cast<char>(n & 0xff));
  out.push_back(static_cast<char>(type));
  out.push_back(static_cast<char>(flags));
  out.push_back(static_cast<char>((stream_id >> 24) & 0x7f));
  out.push_back(static_cast<char>((stream_id >> 16) & 0xff));
  out.push_back(static_cast<char>((stream_id >> 8) & 0xff));
  out.push_back(static_cast<char>(stream_id & 0xff));
  out.append(payload);
  return out;
}

inline std::string u32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xff),
          static_cast<char>((v >> 8) & 0xff), static_cast<char>(v & 0xff)};
}

// A client that writes frames by hand: HEADERS through nghttp2's HPACK encoder, anything else
// as bytes.
class RawClient {
 public:
  RawClient() { nghttp2_hd_deflate_new(&deflater_, 4096); }
  ~RawClient() { nghttp2_hd_deflate_del(deflater_); }

  // Preface and an empty SETTINGS frame.
  static std::string preface() {
    return std::string(kClientPreface) + frame(NGHTTP2_SETTINGS, 0, 0);
  }
  std::string headers(uint32_t stream_id,
                      const std::vector<std::pair<std::string, std::string>>& fields,
                      bool end_stream) {
    std::vector<nghttp2_nv> nv;
    for (const auto& [name, value] : fields) {
      nv.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    std::string block(nghttp2_hd_deflate_bound(deflater_, nv.data(), nv.size()), '\0');
    const ssize_t n = nghttp2_hd_deflate_hd(deflater_, reinterpret_cast<uint8_t*>(block.data()),
                                            block.size(), nv.data(), nv.size());
    block.resize(n < 0 ? 0 : static_cast<size_t>(n));
    uint8_t flags = NGHTTP2_FLAG_END_HEADERS;
    if (end_stream) flags |= NGHTTP2_FLAG_END_STREAM;
    return frame(NGHTTP2_HEADERS, flags, stream_id, block);
  }
  // The HPACK block alone (for CONTINUATION tests, and for server frames: HPACK is the same
  // both ways).
  std::string block(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::vector<nghttp2_nv> nv;
    for (const auto& [name, value] : fields) {
      nv.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    std::string out(nghttp2_hd_deflate_bound(deflater_, nv.data(), nv.size()), '\0');
    const ssize_t n = nghttp2_hd_deflate_hd(deflater_, reinterpret_cast<uint8_t*>(out.data()),
                                            out.size(), nv.data(), nv.size());
    out.resize(n < 0 ? 0 : static_cast<size_t>(n));
    return out;
  }
  std::string get(uint32_t stream_id, std::string path = "/") {
    return headers(stream_id,
                   {{":method", "GET"}, {":scheme", "http"}, {":authority", "a"}, {":path", path}},
                   true);
  }

 private:
  nghttp2_hd_deflater* deflater_ = nullptr;
};

struct Frame {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t stream_id = 0;
  std::string payload;
  // GOAWAY and RST_STREAM: the error code.
  uint32_t errorCode() const {
    const size_t at = type == NGHTTP2_GOAWAY ? 4 : 0;
    if (payload.size() < at + 4) return 0xffffffff;
    const auto* p = reinterpret_cast<const uint8_t*>(payload.data()) + at;
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
};

// Splits what a server codec wrote into frames.
inline std::vector<Frame> readFrames(Buffer& written) {
  std::string bytes = written.toString();
  written.clear();
  std::vector<Frame> frames;
  size_t at = 0;
  while (at + 9 <= bytes.size()) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data()) + at;
    const size_t length = (size_t{p[0]} << 16) | (size_t{p[1]} << 8) | p[2];
    Frame f;
    f.type = p[3];
    f.flags = p[4];
    f.stream_id =
        ((uint32_t{p[5]} & 0x7f) << 24) | (uint32_t{p[6]} << 16) | (uint32_t{p[7]} << 8) | p[8];
    if (at + 9 + length > bytes.size()) break;
    f.payload = bytes.substr(at + 9, length);
    frames.push_back(std::move(f));
    at += 9 + length;
  }
  return frames;
}

inline const Frame* findFrame(const std::vector<Frame>& frames, uint8_t type) {
  for (const Frame& f : frames) {
    if (f.type == type) return &f;
  }
  return nullptr;
}

}  // namespace meshproxy::http::http2::testing
