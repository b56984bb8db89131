#include "proxy/admin/http_response_writer.h"

#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace meshproxy::admin {
namespace {

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

// Framing headers are derived from the body and connection state; letting a handler set them
// would desynchronise the stream. CR/LF in a header would let a value inject headers.
bool isAllowedHeader(const std::string& name, const std::string& value) {
  if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
      value.find_first_of("\r\n") != std::string::npos) {
    return false;
  }
  return !absl::EqualsIgnoreCase(name, "content-length") &&
         !absl::EqualsIgnoreCase(name, "transfer-encoding") &&
         !absl::EqualsIgnoreCase(name, "connection") &&
         !absl::EqualsIgnoreCase(name, "content-type");
}

}  // namespace

std::string serializeResponse(const AdminResponse& response, bool head_request, bool keep_alive) {
  const int status = response.status >= 200 && response.status <= 599 ? response.status : 500;
  // RFC 9110: 204 and 304 carry no body and (for 204) no Content-Length.
  const bool bodyless_status = status == 204 || status == 304;
  std::string out = absl::StrCat("HTTP/1.1 ", status, " ", reasonPhrase(status), "\r\n");
  if (!bodyless_status) {
    std::string_view type = response.content_type;
    if (type.find_first_of("\r\n") == std::string_view::npos && !type.empty()) {
      absl::StrAppend(&out, "content-type: ", response.content_type, "\r\n");
    }
    absl::StrAppend(&out, "content-length: ", response.body.size(), "\r\n");
  }
  for (const auto& [name, value] : response.headers) {
    if (isAllowedHeader(name, value)) absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  // Said in both cases: an HTTP/1.0 client only keeps the connection when told so.
  out += keep_alive ? "connection: keep-alive\r\n" : "connection: close\r\n";
  out += "\r\n";
  if (!head_request && !bodyless_status) out += response.body;
  return out;
}

}  // namespace meshproxy::admin
