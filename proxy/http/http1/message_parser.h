#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "proxy/core/buffer.h"
#include "proxy/http/header_map.h"
#include "proxy/http/http1/header_section_scanner.h"
#include "proxy/http/http1/settings.h"

namespace meshproxy::http::http1 {

// What a message's head says about its framing and the connection, for the codec that owns
// the parser.
struct MessageHead {
  // HTTP/1.<minor_version>; only 1.0 and 1.1 get this far.
  uint8_t minor_version = 1;
  // Requests: llhttp's method (llhttp_method_t).
  uint8_t method = 0;
  // Responses: the status code.
  uint32_t status = 0;
  // The version and Connection tokens allow another message on the connection. For
  // requests this is llhttp's verdict; for responses a read-until-close body also ends the
  // connection (see close_delimited).
  bool keep_alive = true;
  // Responses: the body runs until the connection closes (no Content-Length, not chunked).
  bool close_delimited = false;
  // Requests: Connection: upgrade with an Upgrade other than h2c, or CONNECT. Responses:
  // llhttp saw a 101 with Connection: upgrade and Upgrade.
  bool upgrade = false;
  // A body follows per the framing fields (chunked, Content-Length > 0 or, for responses
  // other than 1xx/204/304, read-until-close).
  bool body_expected = false;
};

class MessageParserCallbacks {
 public:
  enum class HeadAction {
    kContinue,
    // The message has no body whatever its framing says (a response to HEAD).
    kSkipBody,
    // Everything after the head belongs to another protocol (a 101 the owner accepted).
    kUpgrade,
  };
  virtual ~MessageParserCallbacks() = default;
  // The first byte of a message was parsed (a server opens its stream here, so the request
  // headers timeout and the stream's timers run from the start of the request).
  virtual void onMessageBegin() {}
  // The head is complete. Requests carry :method, :scheme, :path and (from the target or
  // Host) :authority; responses carry :status. Regular fields follow, names lower-case.
  virtual HeadAction onMessageHead(std::unique_ptr<HeaderMap> headers, const MessageHead& head) = 0;
  // Body bytes, coalesced per parsed slice. end_stream comes with the last bytes (possibly
  // none) unless the head ended the message or trailers end it.
  virtual void onMessageData(Buffer& data, bool end_stream) = 0;
  virtual void onMessageTrailers(std::unique_ptr<HeaderMap> trailers) = 0;
  // The message ended. The parser stops right after it: bytes of the next message stay in
  // the input until the owner parses again.
  virtual void onMessageComplete() = 0;
  // Checked between slices of input: true makes parse() return with the rest unparsed
  // (the stream is read-disabled, reset, or the connection closed).
  virtual bool parsingPaused() const = 0;
};

// llhttp plus everything the codec needs on top of it: strict line discipline (via
// HeaderSectionScanner), token checks on field names, request-target and Host validation,
// header size and count limits, Transfer-Encoding limited to exactly "chunked", HTTP/1.0 and
// 1.1 only. Body bytes are moved out of the input buffer (whole slices when they can be), not
// copied. No lenient llhttp flag is ever set.
class MessageParser {
 public:
  enum class Type { kRequest, kResponse };
  enum class Status {
    kNeedMoreData,     // all input consumed
    kMessageComplete,  // a message ended; the bytes after it are still in the input
    kPaused,           // parsingPaused() said stop
    kError,            // see error()
  };

  MessageParser(Type type, MessageParserCallbacks& callbacks, size_t max_header_bytes,
                uint32_t max_headers);
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  // Parses from the front of `in`, draining what it consumes.
  Status parse(Buffer& in);
  // The peer closed: ends a read-until-close body (onMessageData with end_stream, then
  // onMessageComplete). Returns whether a message was completed that way.
  bool finishOnClose();

  // Requests: what to do with a field (or trailer) whose name contains '_' (see
  // HeadersWithUnderscoresAction); `stats`, if not null, counts the drops and rejections.
  void setHeadersWithUnderscores(HeadersWithUnderscoresAction action,
                                 const Http1CodecStats* stats) {
    underscores_action_ = action;
    codec_stats_ = stats;
  }

  // Fails the parser from inside a callback (the owner rejects a head); parse() then returns
  // kError and keeps doing so.
  void fail(absl::Status status);
  const absl::Status& error() const { return error_; }
  // Bytes of a message have been parsed and the message has not completed yet.
  bool messageInProgress() const { return message_in_progress_; }
  // After onMessageComplete: may the connection carry another message (llhttp's verdict
  // from the version, Connection tokens and framing)?
  bool lastMessageKeepAlive() const { return last_keep_alive_; }

 private:
  enum class PauseReason { kNone, kTrailers, kMessageComplete };

  static const llhttp_settings_t& settings();
  static MessageParser& from(llhttp_t* parser);
  static int onMessageBeginCb(llhttp_t* p);
  static int onUrlCb(llhttp_t* p, const char* at, size_t length);
  static int onUrlCompleteCb(llhttp_t* p);
  static int onStatusCompleteCb(llhttp_t* p);
  static int onHeaderFieldCb(llhttp_t* p, const char* at, size_t length);
  static int onHeaderValueCb(llhttp_t* p, const char* at, size_t length);
  static int onHeaderValueCompleteCb(llhttp_t* p);
  static int onHeadersCompleteCb(llhttp_t* p);
  static int onBodyCb(llhttp_t* p, const char* at, size_t length);
  static int onChunkHeaderCb(llhttp_t* p);
  static int onMessageCompleteCb(llhttp_t* p);

  int onMessageBegin();
  int onUrlComplete();
  int onStatusComplete();
  int onHeaderField(const char* at, size_t length);
  int onHeaderValueComplete();
  int onHeadersComplete();
  int onBody(const char* at, size_t length);
  int onChunkHeader();
  int onMessageComplete();

  int failCallback(absl::StatusCode code, std::string_view message);
  Status failParse(absl::Status status);
  void startHeadScan();
  void flushBody();

  const Type type_;
  MessageParserCallbacks& callbacks_;
  const size_t max_header_bytes_;
  const uint32_t max_headers_;
  HeadersWithUnderscoresAction underscores_action_ = HeadersWithUnderscoresAction::kAllow;
  const Http1CodecStats* codec_stats_ = nullptr;
  llhttp_t parser_;
  HeaderSectionScanner scanner_;
  absl::Status error_;

  // The message being parsed.
  std::unique_ptr<HeaderMap> headers_;
  std::unique_ptr<HeaderMap> trailers_;
  std::string url_;
  std::string field_;
  std::string value_;
  Buffer body_;
  uint32_t field_count_ = 0;
  uint32_t transfer_encoding_count_ = 0;
  bool transfer_encoding_chunked_ = false;
  bool has_authority_ = false;
  bool host_seen_ = false;
  bool status_added_ = false;
  bool in_trailers_ = false;
  bool end_delivered_ = false;
  bool head_done_ = false;
  bool message_in_progress_ = false;
  bool last_keep_alive_ = true;
  // Set by onMessageComplete, for finishOnClose().
  bool completed_ = false;
  PauseReason pause_reason_ = PauseReason::kNone;

  // The slice llhttp is executing: body spans are moved out of `input_` as they are parsed.
  Buffer* input_ = nullptr;
  const char* slice_begin_ = nullptr;
  size_t slice_drained_ = 0;
};

}  // namespace meshproxy::http::http1
