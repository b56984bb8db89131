#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "proxy/core/buffer.h"
#include "proxy/http/header_map.h"

// The stream interface every HTTP codec implements (DESIGN.md rule 7). The connection
// manager, HTTP filters and the router see requests and responses as headers, data,
// trailers and resets; they never see bytes or protocol framing. HTTP/1.1 (llhttp) sits
// under it now; HTTP/2 (nghttp2) will sit under the same interface.
namespace meshproxy::http {

enum class Protocol { kHttp10, kHttp11, kHttp2 };
std::string_view toString(Protocol protocol);

enum class StreamResetReason {
  kConnectionFailure,      // the upstream connection could not be made
  kConnectionTermination,  // the connection closed under the stream
  kLocalReset,             // we reset it
  kRemoteReset,            // the peer reset it
  kOverflow,               // a limit (buffer, pending requests) was exceeded
  kProtocolError,          // the peer violated the protocol
  kLocalRefusedStreamReset,   // we refused the stream before processing it (HTTP/2)
  kRemoteRefusedStreamReset,  // the peer refused it unprocessed (HTTP/2 REFUSED_STREAM): safe
                              // to retry on another connection
  kConnectError,              // a CONNECT tunnel's upstream failed (HTTP/2 CONNECT_ERROR)
};
std::string_view toString(StreamResetReason reason);

class StreamCallbacks {
 public:
  virtual ~StreamCallbacks() = default;
  virtual void onResetStream(StreamResetReason reason) = 0;
  // The stream's send side is above/below its watermarks: the producer should pause/resume.
  virtual void onAboveWriteBufferHighWatermark() {}
  virtual void onBelowWriteBufferLowWatermark() {}
};

// One request/response exchange inside a codec connection.
class Stream {
 public:
  virtual ~Stream() = default;
  // One subscriber (the connection manager or the router).
  virtual void setCallbacks(StreamCallbacks* callbacks) = 0;
  // Abandons the stream. For HTTP/1 this closes the connection: there is no other way.
  virtual void resetStream(StreamResetReason reason) = 0;
  // Counted like Connection::readDisable: stops delivering this stream's data.
  virtual void readDisable(bool disable) = 0;
};

// Sends one message (a request from the client codec, a response from the server codec).
class StreamEncoder {
 public:
  virtual ~StreamEncoder() = default;
  // Headers: pseudo-headers describe the start line (:method/:path/:authority or :status).
  virtual void encodeHeaders(const HeaderMap& headers, bool end_stream) = 0;
  virtual void encodeData(Buffer& data, bool end_stream) = 0;
  // Ends the message with trailers (HTTP/1: chunked trailer section).
  virtual void encodeTrailers(const HeaderMap& trailers) = 0;
  virtual Stream& stream() = 0;
};

class ResponseEncoder : public StreamEncoder {
 public:
  // An informational response (100 Continue) before the final one.
  virtual void encode1xxHeaders(const HeaderMap& headers) = 0;
};

using RequestEncoder = StreamEncoder;

// Receives one message.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  virtual void decodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) = 0;
  virtual void decodeData(Buffer& data, bool end_stream) = 0;
  virtual void decodeTrailers(std::unique_ptr<HeaderMap> trailers) = 0;
};

using RequestDecoder = StreamDecoder;
using ResponseDecoder = StreamDecoder;

class ServerConnectionCallbacks {
 public:
  virtual ~ServerConnectionCallbacks() = default;
  // A new request begins; the codec will answer through `encoder`. The returned decoder
  // must stay valid until the stream completes or is reset.
  virtual RequestDecoder& newStream(ResponseEncoder& encoder) = 0;
};

// Errors from dispatch(): InvalidArgument for malformed input (answer 400),
// ResourceExhausted for headers over the limit (answer 431). The message names the problem
// (it becomes the response-code details, e.g. "http1.codec_error: invalid header value").
uint32_t httpStatusForCodecError(const absl::Status& status);

// The codec of one downstream connection.
class ServerConnection {
 public:
  virtual ~ServerConnection() = default;
  // Parses bytes read from the connection. Takes what it consumes from `data`.
  virtual absl::Status dispatch(Buffer& data) = 0;
  virtual Protocol protocol() const = 0;
  // True once the connection must close after the current response (Connection: close,
  // HTTP/1.0 without keep-alive, a protocol error, an upgrade that ended).
  virtual bool wantsToClose() const = 0;
  // The network connection's write queue crossed its watermarks.
  virtual void onUnderlyingConnectionAboveWriteBufferHighWatermark() = 0;
  virtual void onUnderlyingConnectionBelowWriteBufferLowWatermark() = 0;
  // The connection will go away soon (a drain began): HTTP/2 sends a GOAWAY with the
  // highest stream id so the peer stops opening streams while those in flight finish.
  // HTTP/1 has nothing to announce it with: a no-op there.
  virtual void shutdownNotice() {}
  // No new streams on this connection: HTTP/2 sends GOAWAY with the last stream id it
  // accepted and closes the connection once those streams end. HTTP/1: nothing yet.
  virtual void goAway() {}
};

// Envoy's GoAwayErrorCode: why the peer stopped taking streams on a client connection.
enum class GoAwayErrorCode { kNoError, kOther };

// What an upstream connection's peer announces about the connection as a whole, for the
// connection pool (Envoy's Http::ConnectionCallbacks). HTTP/1 announces nothing: its one
// stream at a time is the fixed limit, and Connection: close shows as reusable() false.
class ClientConnectionCallbacks {
 public:
  virtual ~ClientConnectionCallbacks() = default;
  // The peer sent GOAWAY: no new streams on this connection; those in flight may finish.
  virtual void onGoAway(GoAwayErrorCode error_code) = 0;
  // The peer's SETTINGS changed how many streams it accepts at once (HTTP/2
  // SETTINGS_MAX_CONCURRENT_STREAMS).
  virtual void onMaxConcurrentStreamsChanged(uint32_t max_concurrent_streams) = 0;
};

// The codec of one upstream connection.
class ClientConnection {
 public:
  virtual ~ClientConnection() = default;
  // Starts a request; the response arrives on `decoder`. HTTP/1: one at a time.
  virtual RequestEncoder& newStream(ResponseDecoder& decoder) = 0;
  // Where GOAWAY and SETTINGS go (may be null: nobody listens). Not owned.
  virtual void setConnectionCallbacks(ClientConnectionCallbacks* callbacks) {}
  // Streams started and not yet finished or reset.
  virtual uint32_t activeStreamCount() const { return idle() ? 0 : 1; }
  virtual absl::Status dispatch(Buffer& data) = 0;
  // The peer closed the connection (a close-delimited response body ends here).
  virtual void onConnectionClosed() = 0;
  virtual Protocol protocol() const = 0;
  // False after Connection: close, HTTP/1.0 responses, errors, upgrades.
  virtual bool reusable() const = 0;
  // No stream in progress.
  virtual bool idle() const = 0;
  virtual void onUnderlyingConnectionAboveWriteBufferHighWatermark() = 0;
  virtual void onUnderlyingConnectionBelowWriteBufferLowWatermark() = 0;
};

}  // namespace meshproxy::http
