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
// under it now; HTTP/2 (nghttp2) will sit under the same interface. The shape follows
// Envoy's Http::ServerConnection/ClientConnection/Stream/StreamCallbacks.
//
// Protocol rules belong to the codec, not to its callers: HTTP/1's connection reuse
// (Connection: close, a response that ends before its request), the Host requirement of
// HTTP/1.1, request-target checks, and the answer to malformed input (HTTP/1: a 400 or 431
// and a close; HTTP/2: RST_STREAM or GOAWAY) are decided inside the codec.
//
// Lifetime of codec stream objects (Stream, StreamEncoder): the codec owns them and frees
// them only through the worker's deferred delete (or reuses them for a later stream, as the
// HTTP/1 codecs do), never inside a call into them or into one of their callbacks. A stream
// ends for its subscribers with either the end of both messages or onResetStream(); after
// onResetStream() nothing may call the stream or its encoder again, and the codec calls
// none of that stream's subscribers again. A subscriber that goes away earlier calls
// removeCallbacks() first.
namespace meshproxy::http {

enum class Protocol { kHttp10, kHttp11, kHttp2 };
std::string_view toString(Protocol protocol);

enum class StreamResetReason {
  kConnectionFailure,         // the upstream connection could not be made
  kConnectionTermination,     // the connection closed under the stream
  kLocalReset,                // we reset it
  kRemoteReset,               // the peer reset it
  kOverflow,                  // a limit (buffer, pending requests) was exceeded
  kProtocolError,             // the peer violated the protocol
  kLocalRefusedStreamReset,   // we refused the stream before processing it (HTTP/2)
  kRemoteRefusedStreamReset,  // the peer refused it unprocessed (HTTP/2 REFUSED_STREAM): safe
                              // to retry on another connection
  kConnectError,              // a CONNECT tunnel's upstream failed (HTTP/2 CONNECT_ERROR)
};
std::string_view toString(StreamResetReason reason);

class StreamCallbacks {
 public:
  virtual ~StreamCallbacks() = default;
  // The stream is gone: the last call a subscriber gets for it (see the lifetime rule above).
  virtual void onResetStream(StreamResetReason reason) = 0;
  // The stream's send side is above/below its watermarks: the producer should pause/resume.
  virtual void onAboveWriteBufferHighWatermark() {}
  virtual void onBelowWriteBufferLowWatermark() {}
};

// One request/response exchange inside a codec connection.
class Stream {
 public:
  virtual ~Stream() = default;
  // Subscribers (the connection manager or the router, and whoever else must hear of resets
  // and watermarks). A subscriber added while the send side is above its high watermark is
  // told so at once. Removing one from inside a callback is allowed.
  virtual void addCallbacks(StreamCallbacks& callbacks) = 0;
  virtual void removeCallbacks(StreamCallbacks& callbacks) = 0;
  // Abandons the stream; subscribers hear onResetStream(reason). For HTTP/1 this closes the
  // connection: there is no other way.
  virtual void resetStream(StreamResetReason reason) = 0;
  // Counted like Connection::readDisable: stops delivering this stream's data.
  virtual void readDisable(bool disable) = 0;
  // How much of this stream's body a holder (the filters, the router) may buffer before
  // pushing back: HTTP/1 the connection's buffer limit, HTTP/2 the stream window.
  virtual uint32_t bufferLimit() const = 0;
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

// Receives a request (server side).
class RequestDecoder : public StreamDecoder {
 public:
  // The codec found the request malformed and wants it answered (Envoy's
  // RequestDecoder::sendLocalReply): `status` 400 or 431, `details` names the problem
  // ("http1.codec_error: ...", "http1.invalid_path", "missing_host_header") for the access
  // log and x-meshproxy-reason. May come before decodeHeaders() or instead of it. The
  // response goes out through the stream's encoder like any other; the codec closes the
  // connection after it where the protocol requires.
  virtual void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) = 0;
};

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
  // Parses bytes read from the connection. Takes what it consumes from `data`. An error
  // means the input was malformed; the codec has already answered it (a local reply on the
  // stream, or RST_STREAM/GOAWAY) and will close the connection when that is done. The
  // caller counts and logs it; the status is returned again for any later input.
  virtual absl::Status dispatch(Buffer& data) = 0;
  virtual Protocol protocol() const = 0;
  // True once the connection must close after the current response (Connection: close,
  // HTTP/1.0 without keep-alive, a protocol error, an upgrade that ended, goAway()).
  virtual bool wantsToClose() const = 0;
  // The connection will go away soon (a drain began): HTTP/2 sends a GOAWAY with the
  // highest stream id so the peer stops opening streams while those in flight finish.
  // HTTP/1 has nothing to announce it with: a no-op there.
  virtual void shutdownNotice() = 0;
  // No new streams on this connection: HTTP/2 sends GOAWAY with the last stream id it
  // accepted; HTTP/1 ends the connection after the current response (which then carries
  // Connection: close) or at once when no request is in progress.
  virtual void goAway() = 0;
  // The network connection's write queue crossed its watermarks.
  virtual void onUnderlyingConnectionAboveWriteBufferHighWatermark() = 0;
  virtual void onUnderlyingConnectionBelowWriteBufferLowWatermark() = 0;
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
  virtual void setConnectionCallbacks(ClientConnectionCallbacks* callbacks) = 0;
  // Streams started and not yet finished or reset.
  virtual uint32_t activeStreamCount() const = 0;
  virtual absl::Status dispatch(Buffer& data) = 0;
  // The peer closed the connection (a close-delimited response body ends here).
  virtual void onConnectionClosed() = 0;
  virtual Protocol protocol() const = 0;
  // False after Connection: close, HTTP/1.0 responses, errors, upgrades.
  virtual bool reusable() const = 0;
  // No stream in progress.
  bool idle() const { return activeStreamCount() == 0; }
  virtual void onUnderlyingConnectionAboveWriteBufferHighWatermark() = 0;
  virtual void onUnderlyingConnectionBelowWriteBufferLowWatermark() = 0;
};

}  // namespace meshproxy::http
