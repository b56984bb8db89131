#include "proxy/http/http1/request_target.h"

#include <array>
#include <cstdint>

namespace meshproxy::http::http1 {
namespace {

// RFC 3986 reg-name characters: unreserved / sub-delims ('%' is checked separately).
constexpr std::array<bool, 256> makeRegNameTable() {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : std::string_view("-._~!$&'()*+,;=")) t[static_cast<uint8_t>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kRegName = makeRegNameTable();

bool isHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isValidPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  uint32_t value = 0;
  for (char c : port) {
    if (!isDigit(c)) return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value <= 65535;
}

bool equalsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace

bool isValidAuthority(std::string_view authority, bool require_port) {
  if (authority.empty()) return false;
  size_t host_end = 0;
  if (authority[0] == '[') {
    // IP-literal: hex digits, ':' and '.' (an embedded IPv4) up to the closing bracket.
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    for (size_t i = 1; i < close; ++i) {
      char c = authority[i];
      if (!isHex(c) && c != ':' && c != '.') return false;
    }
    host_end = close + 1;
  } else {
    while (host_end < authority.size() && authority[host_end] != ':') {
      char c = authority[host_end];
      if (c == '%') {
        if (host_end + 2 >= authority.size() || !isHex(authority[host_end + 1]) ||
            !isHex(authority[host_end + 2])) {
          return false;
        }
        host_end += 3;
        continue;
      }
      if (!kRegName[static_cast<uint8_t>(c)]) return false;
      ++host_end;
    }
    if (host_end == 0) return false;
  }
  if (host_end == authority.size()) return !require_port;
  if (authority[host_end] != ':') return false;
  return isValidPort(authority.substr(host_end + 1));
}

const char* parseRequestTarget(std::string_view target, bool is_connect, bool is_options,
                               RequestTarget* out) {
  if (target.empty()) return "empty request target";
  for (char ch : target) {
    const auto c = static_cast<uint8_t>(ch);
    // llhttp lets HTAB and bytes above 0x7F through in its loose mode; a fragment has no
    // business on the wire and confuses path matching.
    if (c <= 0x20 || c >= 0x7F) return "invalid character in request target";
    if (c == '#') return "fragment in request target";
  }
  *out = RequestTarget{};
  if (is_connect) {
    if (!isValidAuthority(target, /*require_port=*/true)) return "invalid CONNECT target";
    out->form = RequestTarget::Form::kAuthority;
    out->authority = target;
    return nullptr;
  }
  if (target[0] == '/') {
    out->form = RequestTarget::Form::kOrigin;
    out->path = target;
    return nullptr;
  }
  if (target == "*") {
    if (!is_options) return "asterisk target on a method other than OPTIONS";
    out->form = RequestTarget::Form::kAsterisk;
    out->path = target;
    return nullptr;
  }
  const size_t sep = target.find("://");
  if (sep == std::string_view::npos) return "invalid request target";
  std::string_view scheme = target.substr(0, sep);
  if (equalsLower(scheme, "http")) {
    out->scheme = "http";
  } else if (equalsLower(scheme, "https")) {
    out->scheme = "https";
  } else {
    return "unsupported scheme in absolute request target";
  }
  std::string_view rest = target.substr(sep + 3);
  const size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) return "userinfo in request target";
  if (!isValidAuthority(authority, /*require_port=*/false)) {
    return "invalid authority in request target";
  }
  out->form = RequestTarget::Form::kAbsolute;
  out->authority = authority;
  out->path =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  return nullptr;
}

}  // namespace meshproxy::http::http1
