// A minimal blocking HTTP/1.1 client over a raw socket, for admin endpoints and simple checks.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace meshproxy::testing {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;  // 0: no complete response (connection failure, timeout, malformed); see error
  std::string reason;
  HeaderList headers;  // in arrival order, names as sent
  std::string body;    // decoded (chunked framing removed)
  std::string error;

  // First value of the header, case-insensitive name; nullopt if absent.
  std::optional<std::string> header(std::string_view name) const;
  // All values of the header, in order.
  std::vector<std::string> headerValues(std::string_view name) const;
  bool hasHeader(std::string_view name) const { return header(name).has_value(); }
};

// Sends one request on a new connection and reads the response. Adds "Host: host:port",
// "Connection: close" and (if body is non-empty or the method is POST/PUT/PATCH)
// "Content-Length" unless headers already contain them. Interim 1xx responses are skipped.
// The body is read by Content-Length, chunked encoding, or until close.
HttpResponse httpRequest(const std::string& host, int port, std::string_view method,
                         std::string_view path, const HeaderList& headers = {},
                         std::string_view body = "", absl::Duration timeout = absl::Seconds(5));

inline HttpResponse httpGet(const std::string& host, int port, std::string_view path,
                            absl::Duration timeout = absl::Seconds(5)) {
  return httpRequest(host, port, "GET", path, {}, "", timeout);
}

// The raw bytes of a request (for sending by hand, e.g. pipelined over a TcpClient). Adds
// Content-Length for a non-empty body unless present; adds nothing else.
std::string buildHttpRequest(std::string_view method, std::string_view path,
                             const HeaderList& headers, std::string_view body = "");

enum class HttpParseStatus { kIncomplete, kComplete, kError };

// Parses one response from the front of data. eof tells that no more bytes will come (a
// response delimited by close is then complete); head_request means the response has no body.
// On kComplete, *out holds the response and *consumed the bytes it used; on kError, out->error
// says why. Useful to split pipelined responses read with TcpClient.
HttpParseStatus parseHttpResponse(std::string_view data, bool eof, bool head_request,
                                  HttpResponse* out, size_t* consumed);

}  // namespace meshproxy::testing
