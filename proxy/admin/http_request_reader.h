// Turns the bytes of one HTTP/1.1 connection into AdminRequests, one at a time, with llhttp.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "proxy/admin/admin_handler.h"

namespace meshproxy::admin {

struct ParsedRequest {
  AdminRequest request;
  bool keep_alive = true;  // false for "Connection: close", HTTP/1.0 without keep-alive, upgrades
};

class HttpRequestReader {
 public:
  enum class Result {
    kNeedMore,      // All input consumed; the request is not complete yet.
    kRequestReady,  // A request is complete; takeRequest() it. Input past `consumed` is unread.
    kError,         // Malformed or too large; answer errorStatus() and close the connection.
  };

  // `max_request_bytes` bounds the request target, header names and values, and body together.
  explicit HttpRequestReader(size_t max_request_bytes);
  // llhttp keeps a pointer back to this object, so it stays put.
  HttpRequestReader(const HttpRequestReader&) = delete;
  HttpRequestReader& operator=(const HttpRequestReader&) = delete;

  // Parses `data` until it ends or one request completes; `*consumed` tells how far it got.
  // After kRequestReady, call takeRequest() before feeding the rest. After kError, stop.
  Result feed(std::string_view data, size_t* consumed);
  ParsedRequest takeRequest();

  int errorStatus() const { return error_status_; }  // 400 or 413
  const std::string& errorReason() const { return error_reason_; }

 private:
  static int onMessageBegin(llhttp_t* parser);
  static int onUrl(llhttp_t* parser, const char* at, size_t length);
  static int onHeaderField(llhttp_t* parser, const char* at, size_t length);
  static int onHeaderValue(llhttp_t* parser, const char* at, size_t length);
  static int onHeaderValueComplete(llhttp_t* parser);
  static int onHeadersComplete(llhttp_t* parser);
  static int onBody(llhttp_t* parser, const char* at, size_t length);
  static int onMessageComplete(llhttp_t* parser);
  static const llhttp_settings_t& settings();

  // Appends to `out` if the request stays within its byte budget; else flags 413.
  int append(std::string& out, const char* at, size_t length);
  int tooLarge();

  const size_t max_request_bytes_;
  llhttp_t parser_;
  ParsedRequest current_;
  std::string target_;  // Request target as sent; split into path and query once complete.
  std::string header_name_;
  std::string header_value_;
  size_t request_bytes_ = 0;
  bool ready_ = false;
  int error_status_ = 0;
  std::string error_reason_;
};

}  // namespace meshproxy::admin
