#include "proxy/http/http1/message_writer.h"

#include <array>
#include <cstring>

namespace meshproxy::http::http1 {
namespace {

constexpr std::array<bool, 256> makeTokenTable() {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<uint8_t>(c)] = true;
  return t;
}
constexpr std::array<bool, 256> kToken = makeTokenTable();

bool isWritableName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!kToken[static_cast<uint8_t>(c)]) return false;
  }
  return true;
}

bool isWritableValue(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool parseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isNamed(std::string_view name, std::string_view lower) { return name == lower; }

}  // namespace

std::string_view reasonPhrase(uint32_t status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 102:
      return "Processing";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 203:
      return "Non-Authoritative Information";
    case 204:
      return "No Content";
    case 205:
      return "Reset Content";
    case 206:
      return "Partial Content";
    case 207:
      return "Multi-Status";
    case 208:
      return "Already Reported";
    case 226:
      return "IM Used";
    case 300:
      return "Multiple Choices";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 305:
      return "Use Proxy";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 407:
      return "Proxy Authentication Required";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 418:
      return "I'm a teapot";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Entity";
    case 423:
      return "Locked";
    case 424:
      return "Failed Dependency";
    case 425:
      return "Too Early";
    case 426:
      return "Upgrade Required";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 451:
      return "Unavailable For Legal Reasons";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 506:
      return "Variant Also Negotiates";
    case 507:
      return "Insufficient Storage";
    case 508:
      return "Loop Detected";
    case 510:
      return "Not Extended";
    case 511:
      return "Network Authentication Required";
    default:
      return "Unknown";
  }
}

void appendStatusLine(Buffer& out, uint32_t status) {
  char line[16] = {'H', 'T', 'T', 'P', '/', '1', '.', '1', ' ', '0', '0', '0', ' '};
  if (status > 999) status = 500;
  line[9] = static_cast<char>('0' + status / 100);
  line[10] = static_cast<char>('0' + status / 10 % 10);
  line[11] = static_cast<char>('0' + status % 10);
  const std::string_view reason = reasonPhrase(status);
  char* p = out.appendContiguous(13 + reason.size() + 2);
  std::memcpy(p, line, 13);
  std::memcpy(p + 13, reason.data(), reason.size());
  p[13 + reason.size()] = '\r';
  p[13 + reason.size() + 1] = '\n';
}

void appendRequestLine(Buffer& out, std::string_view method, std::string_view target) {
  out.add(method);
  out.add(" ", 1);
  out.add(target);
  out.add(" HTTP/1.1\r\n");
}

void appendField(Buffer& out, std::string_view name, std::string_view value) {
  const size_t size = name.size() + value.size() + 4;
  if (size > Buffer::kSliceSize) {
    out.add(name);
    out.add(": ", 2);
    out.add(value);
    out.add(kCrlf);
    return;
  }
  // One reservation and straight copies: this runs for every field of every message.
  char* p = out.appendContiguous(size);
  if (!name.empty()) std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  if (!value.empty()) std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
}

void appendChunkHeader(Buffer& out, uint64_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  char digits[20];
  size_t pos = sizeof(digits);
  digits[--pos] = '\n';
  digits[--pos] = '\r';
  do {
    digits[--pos] = kHex[length & 0xF];
    length >>= 4;
  } while (length != 0);
  out.add(digits + pos, sizeof(digits) - pos);
}

FramingFields inspectFraming(const HeaderMap& headers) {
  FramingFields f;
  for (const auto& [name, value] : headers.entries()) {
    if (name.empty() || name[0] == ':') continue;
    if (isNamed(name, "content-length")) {
      uint64_t v = 0;
      bool ok = parseDecimal(trimOws(value), &v);
      if (!f.has_content_length) {
        f.has_content_length = true;
        f.content_length_valid = ok;
        f.content_length = v;
      } else if (!ok || v != f.content_length) {
        f.content_length_valid = false;
      }
    } else if (isNamed(name, "connection")) {
      f.connection_close |= hasListToken(value, "close");
      f.connection_upgrade |= hasListToken(value, "upgrade");
      f.connection_keep_alive |= hasListToken(value, "keep-alive");
    }
  }
  return f;
}

void appendFields(Buffer& out, const HeaderMap& headers, uint32_t skip) {
  for (const auto& [name, value] : headers.entries()) {
    if (name.empty() || name[0] == ':') continue;
    switch (name[0]) {
      case 'c':
        if (isNamed(name, "content-length")) continue;
        if ((skip & kSkipConnection) != 0 && isNamed(name, "connection")) continue;
        break;
      case 't':
        if (isNamed(name, "transfer-encoding")) continue;
        break;
      case 'h':
        if ((skip & kSkipHost) != 0 && isNamed(name, "host")) continue;
        break;
      case 'u':
        if ((skip & kSkipUpgrade) != 0 && isNamed(name, "upgrade")) continue;
        break;
      default:
        break;
    }
    if (!isWritableName(name) || !isWritableValue(value)) continue;
    appendField(out, name, value);
  }
}

bool hasListToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = trimOws(value.substr(0, comma));
    if (equalsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

void writeBody(Output& output, BodyFraming framing, Buffer& data, bool end_stream) {
  switch (framing) {
    case BodyFraming::kNone:
      data.clear();
      return;
    case BodyFraming::kChunked: {
      Buffer out;
      if (!data.empty()) {
        appendChunkHeader(out, data.length());
        out.move(data);
        out.add(kCrlf);
      }
      if (end_stream) {
        out.add(kLastChunk);
        out.add(kCrlf);
      }
      if (!out.empty()) output.write(out);
      return;
    }
    case BodyFraming::kContentLength:
    case BodyFraming::kCloseDelimited:
    case BodyFraming::kRaw:
      if (!data.empty()) output.write(data);
      return;
  }
}

}  // namespace meshproxy::http::http1
