#include "proxy/admin/http_request_reader.h"

#include <utility>

namespace meshproxy::admin {
namespace {

HttpRequestReader& readerOf(llhttp_t* parser) {
  return *static_cast<HttpRequestReader*>(parser->data);
}

char toLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Form-style decoding; a malformed escape is kept as written rather than rejected, since admin
// parameters are typed by people.
std::string percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && hexValue(text[i + 1]) >= 0 &&
               hexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(text[i + 1]) * 16 + hexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

void parseQuery(std::string_view query, absl::flat_hash_map<std::string, std::string>& params) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name = percentDecode(pair.substr(0, eq));
    std::string value =
        eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1));
    params.try_emplace(std::move(name), std::move(value));
  }
}

// Splits origin-form ("/p?q") or absolute-form ("http://h/p?q") targets; anything else (such as
// OPTIONS "*") is left as the path and simply matches no endpoint.
void splitTarget(std::string_view target, AdminRequest& request) {
  if (const size_t scheme = target.find("://");
      !target.starts_with('/') && scheme != std::string_view::npos) {
    const size_t path_begin = target.find('/', scheme + 3);
    target = path_begin == std::string_view::npos ? "/" : target.substr(path_begin);
  }
  target = target.substr(0, target.find('#'));
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    request.query = std::string(target.substr(question + 1));
    parseQuery(request.query, request.query_params);
  }
}

}  // namespace

const llhttp_settings_t& HttpRequestReader::settings() {
  static const llhttp_settings_t kSettings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = &HttpRequestReader::onMessageBegin;
    s.on_url = &HttpRequestReader::onUrl;
    s.on_header_field = &HttpRequestReader::onHeaderField;
    s.on_header_value = &HttpRequestReader::onHeaderValue;
    s.on_header_value_complete = &HttpRequestReader::onHeaderValueComplete;
    s.on_headers_complete = &HttpRequestReader::onHeadersComplete;
    s.on_body = &HttpRequestReader::onBody;
    s.on_message_complete = &HttpRequestReader::onMessageComplete;
    return s;
  }();
  return kSettings;
}

HttpRequestReader::HttpRequestReader(size_t max_request_bytes)
    : max_request_bytes_(max_request_bytes) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
  parser_.data = this;
}

HttpRequestReader::Result HttpRequestReader::feed(std::string_view data, size_t* consumed) {
  *consumed = 0;
  if (error_status_ != 0) return Result::kError;
  const llhttp_errno_t err = llhttp_execute(&parser_, data.data(), data.size());
  if (err == HPE_OK) {
    *consumed = data.size();
    return Result::kNeedMore;
  }
  // A request completed (we pause in onMessageComplete); the connection closes after upgrades,
  // so the bytes after one are never parsed.
  if ((err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) && ready_) {
    *consumed = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data.data());
    if (err == HPE_PAUSED) llhttp_resume(&parser_);
    return Result::kRequestReady;
  }
  if (error_status_ == 0) error_status_ = 400;
  if (error_reason_.empty()) {
    const char* reason = llhttp_get_error_reason(&parser_);
    error_reason_ = std::string(llhttp_errno_name(err)) + ": " + (reason != nullptr ? reason : "");
  }
  return Result::kError;
}

ParsedRequest HttpRequestReader::takeRequest() {
  ready_ = false;
  return std::exchange(current_, ParsedRequest{});
}

int HttpRequestReader::append(std::string& out, const char* at, size_t length) {
  request_bytes_ += length;
  if (request_bytes_ > max_request_bytes_) return tooLarge();
  out.append(at, length);
  return HPE_OK;
}

int HttpRequestReader::tooLarge() {
  error_status_ = 413;
  error_reason_ = "request larger than " + std::to_string(max_request_bytes_) + " bytes";
  llhttp_set_error_reason(&parser_, "request too large");
  return HPE_USER;
}

int HttpRequestReader::onMessageBegin(llhttp_t* parser) {
  HttpRequestReader& self = readerOf(parser);
  self.current_ = ParsedRequest{};
  self.target_.clear();
  self.header_name_.clear();
  self.header_value_.clear();
  self.request_bytes_ = 0;
  return HPE_OK;
}

int HttpRequestReader::onUrl(llhttp_t* parser, const char* at, size_t length) {
  HttpRequestReader& self = readerOf(parser);
  return self.append(self.target_, at, length);
}

int HttpRequestReader::onHeaderField(llhttp_t* parser, const char* at, size_t length) {
  HttpRequestReader& self = readerOf(parser);
  return self.append(self.header_name_, at, length);
}

int HttpRequestReader::onHeaderValue(llhttp_t* parser, const char* at, size_t length) {
  HttpRequestReader& self = readerOf(parser);
  return self.append(self.header_value_, at, length);
}

int HttpRequestReader::onHeaderValueComplete(llhttp_t* parser) {
  HttpRequestReader& self = readerOf(parser);
  for (char& c : self.header_name_) c = toLower(c);
  auto [it, inserted] = self.current_.request.headers.try_emplace(std::move(self.header_name_),
                                                                  std::move(self.header_value_));
  if (!inserted) it->second.append(", ").append(self.header_value_);
  self.header_name_.clear();
  self.header_value_.clear();
  return HPE_OK;
}

int HttpRequestReader::onHeadersComplete(llhttp_t* parser) {
  HttpRequestReader& self = readerOf(parser);
  // Refuse an announced oversized body now rather than after reading a megabyte of it.
  if ((parser->flags & F_CONTENT_LENGTH) != 0 &&
      parser->content_length > self.max_request_bytes_ - self.request_bytes_) {
    return self.tooLarge();
  }
  AdminRequest& request = self.current_.request;
  request.method = llhttp_method_name(static_cast<llhttp_method_t>(parser->method));
  splitTarget(self.target_, request);
  return HPE_OK;
}

int HttpRequestReader::onBody(llhttp_t* parser, const char* at, size_t length) {
  HttpRequestReader& self = readerOf(parser);
  return self.append(self.current_.request.body, at, length);
}

int HttpRequestReader::onMessageComplete(llhttp_t* parser) {
  HttpRequestReader& self = readerOf(parser);
  self.current_.keep_alive = llhttp_should_keep_alive(parser) != 0 && parser->upgrade == 0;
  self.ready_ = true;
  // Pausing hands one request at a time to the connection, which answers it before the next.
  return HPE_PAUSED;
}

}  // namespace meshproxy::admin
