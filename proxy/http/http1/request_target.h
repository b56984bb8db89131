#pragma once

#include <string_view>

namespace meshproxy::http::http1 {

// The request-target of an HTTP/1 request line (RFC 9112 3.2), split into what becomes the
// :scheme, :authority and :path pseudo-headers.
struct RequestTarget {
  enum class Form { kOrigin, kAbsolute, kAuthority, kAsterisk };
  Form form = Form::kOrigin;
  // Lower-case "http"/"https" for the absolute form, empty otherwise.
  std::string_view scheme;
  // From the absolute or authority form; empty for the origin and asterisk forms.
  std::string_view authority;
  // The path and query. For the absolute form with an empty path this is empty and
  // :path is "/" (RFC 9112 3.2.2); with a bare query ("http://h?q") it lacks the leading '/'.
  std::string_view path;
};

// Splits and validates a request-target; returns nullptr on success, else why it is invalid.
// CONNECT takes only the authority form, OPTIONS also the asterisk form, every other method
// the origin or absolute form. Controls, spaces, bytes above 0x7E and '#' are rejected in
// every form; absolute-form schemes other than http and https are rejected.
const char* parseRequestTarget(std::string_view target, bool is_connect, bool is_options,
                               RequestTarget* out);

// Validates an authority (`host[:port]`, no userinfo): a reg-name or an IP literal in
// brackets, then an optional port of 1 to 5 digits. Used for Host header values too.
bool isValidAuthority(std::string_view authority, bool require_port);

}  // namespace meshproxy::http::http1
