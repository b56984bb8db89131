#include "proxy/http/http1/message_parser.h"

#include <array>

#include "proxy/core/strings.h"
#include "proxy/http/http1/request_target.h"

namespace meshproxy::http::http1 {
namespace {

// Field-name token characters (RFC 9110 5.6.2) mapped to lower case; 0 for anything else.
// llhttp's loose mode lets spaces and some separators through in names.
constexpr std::array<char, 256> makeFieldNameTable() {
  std::array<char, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = static_cast<char>(c + 32);
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<char>(c);
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<uint8_t>(c)] = c;
  return t;
}
constexpr std::array<char, 256> kFieldName = makeFieldNameTable();

// Field lines of a typical request; one allocation for the map's storage.
constexpr size_t kExpectedFields = 16;

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

absl::Status codecError(std::string_view reason) {
  return absl::InvalidArgumentError(fmt::format("http1.codec_error: {}", reason));
}

}  // namespace

const llhttp_settings_t& MessageParser::settings() {
  static const llhttp_settings_t kSettings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = &MessageParser::onMessageBeginCb;
    s.on_url = &MessageParser::onUrlCb;
    s.on_url_complete = &MessageParser::onUrlCompleteCb;
    s.on_status_complete = &MessageParser::onStatusCompleteCb;
    s.on_header_field = &MessageParser::onHeaderFieldCb;
    s.on_header_value = &MessageParser::onHeaderValueCb;
    s.on_header_value_complete = &MessageParser::onHeaderValueCompleteCb;
    s.on_headers_complete = &MessageParser::onHeadersCompleteCb;
    s.on_body = &MessageParser::onBodyCb;
    s.on_chunk_header = &MessageParser::onChunkHeaderCb;
    s.on_message_complete = &MessageParser::onMessageCompleteCb;
    return s;
  }();
  return kSettings;
}

MessageParser& MessageParser::from(llhttp_t* parser) {
  return *static_cast<MessageParser*>(parser->data);
}

MessageParser::MessageParser(Type type, MessageParserCallbacks& callbacks, size_t max_header_bytes,
                             uint32_t max_headers)
    : type_(type),
      callbacks_(callbacks),
      max_header_bytes_(max_header_bytes),
      max_headers_(max_headers) {
  llhttp_init(&parser_, type == Type::kRequest ? HTTP_REQUEST : HTTP_RESPONSE, &settings());
  parser_.data = this;
  startHeadScan();
}

void MessageParser::startHeadScan() {
  scanner_.start(type_ == Type::kRequest ? HeaderSectionScanner::Section::kRequestHead
                                         : HeaderSectionScanner::Section::kResponseHead,
                 max_header_bytes_);
}

void MessageParser::fail(absl::Status status) {
  if (error_.ok()) error_ = std::move(status);
}

int MessageParser::failCallback(absl::StatusCode code, std::string_view message) {
  fail(absl::Status(code, toAbsl(message)));
  return HPE_USER;
}

MessageParser::Status MessageParser::failParse(absl::Status status) {
  fail(std::move(status));
  return Status::kError;
}

void MessageParser::flushBody() {
  if (body_.empty()) return;
  callbacks_.onMessageData(body_, false);
  body_.clear();
}

MessageParser::Status MessageParser::parse(Buffer& in) {
  if (!error_.ok()) return Status::kError;
  while (!in.empty()) {
    const std::string_view slice = in.frontSlice();
    size_t length = slice.size();
    bool section_ended = false;
    const bool scanning_trailers = in_trailers_;
    if (scanner_.active()) {
      const HeaderSectionScanner::Result scan = scanner_.scan(slice);
      switch (scan.outcome) {
        case HeaderSectionScanner::Outcome::kMalformed:
          return failParse(codecError(scan.reason));
        case HeaderSectionScanner::Outcome::kTooLarge:
          return failParse(absl::ResourceExhaustedError("http1.headers_too_large"));
        case HeaderSectionScanner::Outcome::kComplete:
          // Feed llhttp the section alone; the body is parsed in the next round.
          length = scan.consumed;
          section_ended = true;
          break;
        case HeaderSectionScanner::Outcome::kIncomplete:
          break;
      }
    }

    input_ = &in;
    slice_begin_ = slice.data();
    slice_drained_ = 0;
    pause_reason_ = PauseReason::kNone;
    const llhttp_errno_t err = llhttp_execute(&parser_, slice.data(), length);
    input_ = nullptr;
    if (!error_.ok()) return Status::kError;
    if (err != HPE_OK && err != HPE_PAUSED) {
      if (err == HPE_PAUSED_UPGRADE) return Status::kMessageComplete;
      if (err == HPE_PAUSED_H2_UPGRADE) {
        return failParse(codecError("HTTP/2 connection preface on an HTTP/1 connection"));
      }
      return failParse(codecError(llhttp_get_error_reason(&parser_)));
    }
    const size_t consumed =
        err == HPE_OK ? length : static_cast<size_t>(llhttp_get_error_pos(&parser_) - slice.data());
    in.drain(consumed - slice_drained_);

    // Where the scanner saw the section end, llhttp must have seen it too; a disagreement
    // means one of them would read body bytes as fields (or the reverse).
    if (section_ended &&
        !(scanning_trailers ? pause_reason_ == PauseReason::kMessageComplete : head_done_)) {
      return failParse(codecError("header section framing mismatch"));
    }
    if (err == HPE_PAUSED) {
      llhttp_resume(&parser_);
      if (pause_reason_ == PauseReason::kMessageComplete) return Status::kMessageComplete;
      // The last chunk: the trailer section starts here.
      scanner_.start(HeaderSectionScanner::Section::kTrailers, max_header_bytes_);
    }
    flushBody();
    if (callbacks_.parsingPaused()) return Status::kPaused;
  }
  return Status::kNeedMoreData;
}

bool MessageParser::finishOnClose() {
  if (!error_.ok()) return false;
  completed_ = false;
  const llhttp_errno_t err = llhttp_finish(&parser_);
  if (err == HPE_PAUSED) llhttp_resume(&parser_);
  return completed_;
}

// ---- llhttp callbacks ---------------------------------------------------------------------

int MessageParser::onMessageBeginCb(llhttp_t* p) { return from(p).onMessageBegin(); }
int MessageParser::onUrlCb(llhttp_t* p, const char* at, size_t length) {
  from(p).url_.append(at, length);
  return 0;
}
int MessageParser::onUrlCompleteCb(llhttp_t* p) { return from(p).onUrlComplete(); }
int MessageParser::onStatusCompleteCb(llhttp_t* p) { return from(p).onStatusComplete(); }
int MessageParser::onHeaderFieldCb(llhttp_t* p, const char* at, size_t length) {
  return from(p).onHeaderField(at, length);
}
int MessageParser::onHeaderValueCb(llhttp_t* p, const char* at, size_t length) {
  from(p).value_.append(at, length);
  return 0;
}
int MessageParser::onHeaderValueCompleteCb(llhttp_t* p) { return from(p).onHeaderValueComplete(); }
int MessageParser::onHeadersCompleteCb(llhttp_t* p) { return from(p).onHeadersComplete(); }
int MessageParser::onBodyCb(llhttp_t* p, const char* at, size_t length) {
  return from(p).onBody(at, length);
}
int MessageParser::onChunkHeaderCb(llhttp_t* p) { return from(p).onChunkHeader(); }
int MessageParser::onMessageCompleteCb(llhttp_t* p) { return from(p).onMessageComplete(); }

int MessageParser::onMessageBegin() {
  message_in_progress_ = true;
  headers_ = std::make_unique<HeaderMap>();
  headers_->reserve(kExpectedFields);
  trailers_.reset();
  url_.clear();
  field_.clear();
  value_.clear();
  body_.clear();
  field_count_ = 0;
  transfer_encoding_count_ = 0;
  transfer_encoding_chunked_ = false;
  has_authority_ = false;
  host_seen_ = false;
  status_added_ = false;
  in_trailers_ = false;
  end_delivered_ = false;
  head_done_ = false;
  callbacks_.onMessageBegin();
  return 0;
}

int MessageParser::onUrlComplete() {
  const auto method = static_cast<llhttp_method_t>(parser_.method);
  RequestTarget target;
  if (const char* why =
          parseRequestTarget(url_, method == HTTP_CONNECT, method == HTTP_OPTIONS, &target)) {
    return failCallback(absl::StatusCode::kInvalidArgument,
                        fmt::format("http1.codec_error: {}", why));
  }
  headers_->addLowercase(std::string(headers::kMethod), llhttp_method_name(method));
  headers_->addLowercase(std::string(headers::kScheme),
                         std::string(target.scheme.empty() ? "http" : target.scheme));
  if (!target.authority.empty()) {
    // RFC 9112 3.2.2: the target's authority wins over Host.
    headers_->addLowercase(std::string(headers::kAuthority), std::string(target.authority));
    has_authority_ = true;
  }
  switch (target.form) {
    case RequestTarget::Form::kAuthority:
      break;
    case RequestTarget::Form::kAbsolute:
      if (target.path.empty() || target.path[0] != '/') {
        headers_->addLowercase(std::string(headers::kPath), fmt::format("/{}", target.path));
        break;
      }
      [[fallthrough]];
    case RequestTarget::Form::kOrigin:
    case RequestTarget::Form::kAsterisk:
      headers_->addLowercase(std::string(headers::kPath), std::string(target.path));
      break;
  }
  return 0;
}

int MessageParser::onStatusComplete() {
  const uint32_t status = parser_.status_code;
  if (status < 100 || status > 999) {
    return failCallback(absl::StatusCode::kInvalidArgument, "http1.codec_error: invalid status");
  }
  const char digits[3] = {static_cast<char>('0' + status / 100),
                          static_cast<char>('0' + status / 10 % 10),
                          static_cast<char>('0' + status % 10)};
  headers_->addLowercase(std::string(headers::kStatus), std::string(digits, 3));
  status_added_ = true;
  return 0;
}

int MessageParser::onHeaderField(const char* at, size_t length) {
  const size_t start = field_.size();
  field_.append(at, length);
  for (size_t i = start; i < field_.size(); ++i) {
    const char lower = kFieldName[static_cast<uint8_t>(field_[i])];
    if (lower == 0) {
      return failCallback(absl::StatusCode::kInvalidArgument,
                          "http1.codec_error: invalid character in header name");
    }
    field_[i] = lower;
  }
  return 0;
}

int MessageParser::onHeaderValueComplete() {
  if (field_.empty()) {
    return failCallback(absl::StatusCode::kInvalidArgument, "http1.codec_error: empty header name");
  }
  if (++field_count_ > max_headers_) {
    return failCallback(absl::StatusCode::kResourceExhausted, "http1.too_many_headers");
  }
  // llhttp strips leading whitespace but keeps trailing whitespace in the value.
  while (!value_.empty() && (value_.back() == ' ' || value_.back() == '\t')) value_.pop_back();

  if (underscores_action_ != HeadersWithUnderscoresAction::kAllow &&
      field_.find('_') != std::string::npos) {
    // Envoy's checkHeaderNameForUnderscores: requests only (the setter is not called for
    // responses), headers and trailers alike.
    if (underscores_action_ == HeadersWithUnderscoresAction::kRejectRequest) {
      if (codec_stats_ != nullptr)
        codec_stats_->requests_rejected_with_underscores_in_headers.inc();
      return failCallback(absl::StatusCode::kInvalidArgument, "http1.unexpected_underscore");
    }
    if (codec_stats_ != nullptr) codec_stats_->dropped_headers_with_underscores.inc();
    field_.clear();
    value_.clear();
    return 0;
  }

  if (in_trailers_) {
    if (trailers_ == nullptr) trailers_ = std::make_unique<HeaderMap>();
    trailers_->addLowercase(std::move(field_), std::move(value_));
  } else if (type_ == Type::kRequest && field_ == "host") {
    // Two Host fields are how routing confusion starts (RFC 9112 3.2 says answer 400).
    if (host_seen_) {
      return failCallback(absl::StatusCode::kInvalidArgument,
                          "http1.codec_error: multiple host headers");
    }
    host_seen_ = true;
    if (!value_.empty() && !isValidAuthority(value_, /*require_port=*/false)) {
      return failCallback(absl::StatusCode::kInvalidArgument,
                          "http1.codec_error: invalid host header");
    }
    // Host becomes :authority (the client codec writes it back from there), unless the
    // absolute-form target already named the authority.
    if (!has_authority_) {
      headers_->addLowercase(std::string(headers::kAuthority), std::move(value_));
      has_authority_ = true;
    }
  } else {
    if (field_ == "transfer-encoding") {
      ++transfer_encoding_count_;
      transfer_encoding_chunked_ = equalsIgnoreCase(value_, "chunked");
    }
    headers_->addLowercase(std::move(field_), std::move(value_));
  }
  field_.clear();
  value_.clear();
  return 0;
}

int MessageParser::onHeadersComplete() {
  // The scanner read these bytes first; if it has not seen the section end, llhttp and it
  // disagree on the framing.
  if (scanner_.active()) {
    return failCallback(absl::StatusCode::kInvalidArgument,
                        "http1.codec_error: header section framing mismatch");
  }
  head_done_ = true;
  if (parser_.http_major != 1 || parser_.http_minor > 1) {
    return failCallback(absl::StatusCode::kInvalidArgument,
                        "http1.codec_error: unsupported HTTP version");
  }
  MessageHead head;
  head.minor_version = parser_.http_minor;
  if (transfer_encoding_count_ > 0) {
    if (type_ == Type::kRequest && parser_.http_minor == 0) {
      // RFC 9112 6.1: HTTP/1.0 has no Transfer-Encoding; such a message is faulty framing.
      return failCallback(absl::StatusCode::kInvalidArgument,
                          "http1.codec_error: transfer-encoding in an HTTP/1.0 request");
    }
    // Only "chunked" alone: any other coding would reach the next hop with its framing
    // stripped (the connection manager removes Transfer-Encoding) and its body still coded.
    if (transfer_encoding_count_ != 1 || !transfer_encoding_chunked_) {
      return failCallback(absl::StatusCode::kInvalidArgument,
                          "http1.codec_error: unsupported transfer-encoding");
    }
  }
  const bool chunked = (parser_.flags & F_CHUNKED) != 0;
  if (type_ == Type::kRequest) {
    head.method = parser_.method;
    if (parser_.upgrade != 0 && parser_.method != HTTP_CONNECT) {
      // h2c upgrades are ignored, as in Envoy: the request proceeds as plain HTTP/1.1.
      auto upgrade = headers_->get("upgrade");
      if (upgrade.has_value() && equalsIgnoreCase(trimOws(*upgrade), "h2c")) parser_.upgrade = 0;
    }
    head.upgrade = parser_.upgrade != 0;
    head.body_expected = chunked || parser_.content_length > 0;
    if (head.upgrade && (head.body_expected || transfer_encoding_count_ > 0)) {
      // The bytes after the head are another protocol's; a body in between has no place.
      return failCallback(absl::StatusCode::kInvalidArgument,
                          parser_.method == HTTP_CONNECT
                              ? "http1.codec_error: CONNECT request with a body"
                              : "http1.codec_error: upgrade request with a body");
    }
    head.keep_alive = llhttp_should_keep_alive(&parser_) != 0;
  } else {
    head.status = parser_.status_code;
    if (!status_added_) {
      const int rc = onStatusComplete();
      if (rc != 0) return rc;
    }
    head.upgrade = parser_.upgrade != 0;
    const bool no_body = head.status < 200 || head.status == 204 || head.status == 304;
    const bool has_length = (parser_.flags & F_CONTENT_LENGTH) != 0;
    head.body_expected = !no_body && (chunked || parser_.content_length > 0 || !has_length);
    head.close_delimited = head.body_expected && !chunked && !has_length;
    // llhttp_should_keep_alive() would count a body-less HEAD response as read-until-close
    // here (it learns about the skipped body only after this callback): look at the tokens.
    head.keep_alive = parser_.http_minor == 1 ? (parser_.flags & F_CONNECTION_CLOSE) == 0
                                              : (parser_.flags & F_CONNECTION_KEEP_ALIVE) != 0;
  }

  const auto action = callbacks_.onMessageHead(std::move(headers_), head);
  if (!error_.ok()) return HPE_USER;
  end_delivered_ = !head.body_expected || action != MessageParserCallbacks::HeadAction::kContinue;
  switch (action) {
    case MessageParserCallbacks::HeadAction::kContinue:
      return 0;
    case MessageParserCallbacks::HeadAction::kSkipBody:
      return 1;
    case MessageParserCallbacks::HeadAction::kUpgrade:
      parser_.upgrade = 1;
      return 1;
  }
  return 0;
}

int MessageParser::onBody(const char* at, size_t length) {
  if (input_ == nullptr) {
    body_.add(at, length);
    return 0;
  }
  // Move the span out of the input instead of copying it: whole slices change owner, and
  // llhttp never looks behind its position, so the bytes it already parsed may go.
  const size_t offset = static_cast<size_t>(at - slice_begin_);
  input_->drain(offset - slice_drained_);
  body_.move(*input_, length);
  slice_drained_ = offset + length;
  return 0;
}

int MessageParser::onChunkHeader() {
  if (parser_.content_length != 0) return 0;
  // The last chunk: stop so the trailer section is scanned like a head.
  in_trailers_ = true;
  field_count_ = 0;
  pause_reason_ = PauseReason::kTrailers;
  return HPE_PAUSED;
}

int MessageParser::onMessageComplete() {
  if (in_trailers_ && scanner_.active()) {
    return failCallback(absl::StatusCode::kInvalidArgument,
                        "http1.codec_error: header section framing mismatch");
  }
  // Before llhttp clears the flags for the next message.
  last_keep_alive_ = llhttp_should_keep_alive(&parser_) != 0;
  message_in_progress_ = false;
  completed_ = true;
  if (trailers_ != nullptr && !trailers_->empty()) {
    flushBody();
    callbacks_.onMessageTrailers(std::move(trailers_));
  } else if (!end_delivered_) {
    callbacks_.onMessageData(body_, true);
  }
  body_.clear();
  in_trailers_ = false;
  startHeadScan();
  callbacks_.onMessageComplete();
  pause_reason_ = PauseReason::kMessageComplete;
  return HPE_PAUSED;
}

}  // namespace meshproxy::http::http1
