// HTTP/1.1 request parsing and response building for mesh-test-server's `http` mode.
// Header-only so that it stays out of the test_support library (which globs support/*.cc);
// it has no libuv dependency and can be unit-tested on its own.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace meshproxy::testing::test_server {

struct HttpRequest {
  std::string method;
  std::string target;  // as received: path plus query
  int version_minor = 1;
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order
  uint64_t body_bytes = 0;
  bool keep_alive = true;
};

// Incremental, strict HTTP/1.1 request parser. Request bodies are counted, not stored, so an
// upload of any size uses constant memory. Accepts CRLF line endings only.
class HttpRequestParser {
 public:
  static constexpr size_t kMaxHeaderBytes = 64 * 1024;

  // Consumes data; completed requests are appended to `done`. Returns false on malformed input
  // (the connection should answer 400 and close). *expect_continue is set to true when a
  // request's header block carried "Expect: 100-continue" (the caller may answer 100).
  bool feed(absl::string_view data, std::deque<HttpRequest>* done, bool* expect_continue) {
    while (!data.empty()) {
      switch (state_) {
        case State::kHeader: {
          absl::string_view head;
          if (buffer_.empty()) {
            // Skip empty lines before a request line (RFC 9112 section 2.2).
            while (absl::StartsWith(data, "\r\n")) data.remove_prefix(2);
            if (data.empty()) break;
            size_t end = data.find("\r\n\r\n");
            if (end == absl::string_view::npos) {
              buffer_.assign(data.data(), data.size());
              if (buffer_.size() > kMaxHeaderBytes) return false;
              data = {};
              break;
            }
            head = data.substr(0, end);
            data.remove_prefix(end + 4);
          } else {
            size_t before = buffer_.size();
            size_t take = std::min(data.size(), kMaxHeaderBytes + 4 - before);
            buffer_.append(data.data(), take);
            size_t end = buffer_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
            if (end == std::string::npos) {
              if (buffer_.size() > kMaxHeaderBytes) return false;
              data.remove_prefix(take);
              break;
            }
            data.remove_prefix(end + 4 - before);
            buffer_.resize(end);
            head = buffer_;
          }
          bool ok = parseHead(head);
          buffer_.clear();
          if (!ok) return false;
          if (expect_continue_) *expect_continue = true;
          if (chunked_) {
            state_ = State::kChunkSize;
          } else if (remaining_ > 0) {
            state_ = State::kBody;
          } else {
            finish(done);
          }
          break;
        }
        case State::kBody: {
          size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
          current_.body_bytes += take;
          remaining_ -= take;
          data.remove_prefix(take);
          if (remaining_ == 0) finish(done);
          break;
        }
        case State::kChunkSize:
        case State::kTrailer: {
          size_t nl = data.find('\n');
          size_t take = nl == absl::string_view::npos ? data.size() : nl + 1;
          line_.append(data.data(), take);
          data.remove_prefix(take);
          if (line_.size() > 4096) return false;
          if (nl == absl::string_view::npos) break;
          if (line_.size() < 2 || line_[line_.size() - 2] != '\r') return false;
          absl::string_view line(line_.data(), line_.size() - 2);
          if (state_ == State::kTrailer) {
            if (line.empty()) finish(done);
          } else {
            absl::string_view hex = absl::StripAsciiWhitespace(line.substr(0, line.find(';')));
            uint64_t size = 0;
            if (hex.empty() || hex.size() > 15 || !absl::SimpleHexAtoi(hex, &size)) return false;
            remaining_ = size;
            state_ = size == 0 ? State::kTrailer : State::kChunkData;
          }
          line_.clear();
          break;
        }
        case State::kChunkData: {
          size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
          current_.body_bytes += take;
          remaining_ -= take;
          data.remove_prefix(take);
          if (remaining_ == 0) state_ = State::kChunkCrlf;
          break;
        }
        case State::kChunkCrlf: {
          size_t take = std::min<size_t>(2 - line_.size(), data.size());
          line_.append(data.data(), take);
          data.remove_prefix(take);
          if (line_.size() < 2) break;
          if (line_ != "\r\n") return false;
          line_.clear();
          state_ = State::kChunkSize;
          break;
        }
      }
    }
    return true;
  }

  // True while a request has started arriving but is not complete.
  bool midRequest() const { return state_ != State::kHeader || !buffer_.empty(); }

 private:
  enum class State { kHeader, kBody, kChunkSize, kChunkData, kChunkCrlf, kTrailer };

  static bool isTokenChar(char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
           absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
  }
  static bool isToken(absl::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
      if (!isTokenChar(c)) return false;
    }
    return true;
  }

  bool parseHead(absl::string_view head) {
    current_ = HttpRequest();
    chunked_ = false;
    remaining_ = 0;
    expect_continue_ = false;
    std::vector<absl::string_view> lines = absl::StrSplit(head, absl::ByString("\r\n"));
    std::vector<absl::string_view> parts = absl::StrSplit(lines[0], ' ');
    if (parts.size() != 3 || !isToken(parts[0]) || parts[1].empty()) return false;
    for (char c : parts[1]) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return false;
    }
    if (parts[2] == "HTTP/1.1") {
      current_.version_minor = 1;
    } else if (parts[2] == "HTTP/1.0") {
      current_.version_minor = 0;
    } else {
      return false;
    }
    current_.method = std::string(parts[0]);
    current_.target = std::string(parts[1]);
    bool have_length = false;
    uint64_t length = 0;
    bool have_te = false;
    std::string connection;
    for (size_t i = 1; i < lines.size(); ++i) {
      absl::string_view line = lines[i];
      size_t colon = line.find(':');
      if (colon == absl::string_view::npos || !isToken(line.substr(0, colon))) return false;
      std::string name = absl::AsciiStrToLower(line.substr(0, colon));
      absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
      for (char c : value) {
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) return false;
      }
      if (name == "content-length") {
        uint64_t v = 0;
        if (value.empty() || value.size() > 15 || !absl::SimpleAtoi(value, &v)) return false;
        for (char c : value) {
          if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
        }
        if (have_length && v != length) return false;
        have_length = true;
        length = v;
      } else if (name == "transfer-encoding") {
        have_te = true;
        std::string lower = absl::AsciiStrToLower(value);
        std::vector<absl::string_view> codings = absl::StrSplit(lower, ',');
        chunked_ = absl::StripAsciiWhitespace(codings.back()) == "chunked";
        if (!chunked_) return false;  // a request body must end with chunked
      } else if (name == "connection") {
        absl::StrAppend(&connection, absl::AsciiStrToLower(value), ",");
      } else if (name == "expect") {
        expect_continue_ = absl::EqualsIgnoreCase(value, "100-continue");
      }
      current_.headers.emplace_back(std::move(name), std::string(value));
    }
    if (have_te && have_length) return false;  // ambiguous framing: reject
    remaining_ = have_length ? length : 0;
    bool close = absl::StrContains(connection, "close");
    current_.keep_alive = current_.version_minor == 1
                              ? !close
                              : absl::StrContains(connection, "keep-alive") && !close;
    return true;
  }

  void finish(std::deque<HttpRequest>* done) {
    done->push_back(std::move(current_));
    current_ = HttpRequest();
    state_ = State::kHeader;
    remaining_ = 0;
    chunked_ = false;
    line_.clear();
  }

  State state_ = State::kHeader;
  std::string buffer_;  // header bytes so far
  std::string line_;    // chunk-size / trailer line or chunk CRLF so far
  HttpRequest current_;
  uint64_t remaining_ = 0;
  bool chunked_ = false;
  bool expect_continue_ = false;
};

inline void appendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c >= 0x7f) {
          // Non-ASCII bytes are escaped one by one so the output is always valid JSON.
          static constexpr char kHex[] = "0123456789abcdef";
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

inline int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline std::string percentDecode(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Query parameters of a request target, decoded, in order.
inline std::vector<std::pair<std::string, std::string>> queryParams(absl::string_view target) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t q = target.find('?');
  if (q == absl::string_view::npos) return out;
  absl::string_view query = target.substr(q + 1);
  query = query.substr(0, query.find('#'));
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = part.find('=');
    out.emplace_back(percentDecode(part.substr(0, eq)),
                     eq == absl::string_view::npos ? "" : percentDecode(part.substr(eq + 1)));
  }
  return out;
}

inline absl::string_view reasonPhrase(int status) {
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
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Status";
  }
}

// What one request asks for, from its query parameters.
struct ResponsePlan {
  int status = 200;
  bool explicit_status = false;  // status= was given
  bool reset = false;            // reset=1: abort the connection instead of answering
  int64_t delay_ms = -1;    // -1: the server's --delay-ms
  int64_t body_bytes = -1;  // -1: the JSON description
  bool close = false;
  bool chunked = false;
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

inline ResponsePlan planResponse(const HttpRequest& request) {
  ResponsePlan plan;
  for (const auto& [key, value] : queryParams(request.target)) {
    int64_t n = 0;
    if (key == "status" && absl::SimpleAtoi(value, &n) && n >= 200 && n <= 599) {
      plan.status = static_cast<int>(n);
      plan.explicit_status = true;
    } else if (key == "reset") {
      plan.reset = value != "0";
    } else if (key == "delay_ms" && absl::SimpleAtoi(value, &n) && n >= 0) {
      plan.delay_ms = std::min<int64_t>(n, 600000);
    } else if (key == "body_bytes" && absl::SimpleAtoi(value, &n) && n >= 0) {
      plan.body_bytes = n;
    } else if (key == "close") {
      plan.close = value != "0";
    } else if (key == "chunked") {
      plan.chunked = value != "0";
    } else if (key == "header") {
      size_t colon = value.find(':');
      if (colon != std::string::npos && colon > 0) {
        std::string name = value.substr(0, colon);
        std::string v(absl::StripAsciiWhitespace(absl::string_view(value).substr(colon + 1)));
        bool clean = true;
        for (char c : name + v) {
          if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) clean = false;
        }
        if (clean) plan.extra_headers.emplace_back(std::move(name), std::move(v));
      }
    }
  }
  return plan;
}

// The JSON description of a request.
inline std::string describeRequest(const HttpRequest& request, absl::string_view server_name,
                                   uint64_t connection_id, uint64_t request_index,
                                   absl::string_view peer) {
  std::string out = "{\"server\": ";
  appendJsonString(&out, server_name);
  out.append(", \"method\": ");
  appendJsonString(&out, request.method);
  out.append(", \"path\": ");
  appendJsonString(&out, request.target);
  out.append(", \"headers\": {");
  // Repeated headers are joined with ", " under one key.
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& [name, value] : request.headers) {
    auto it =
        std::find_if(merged.begin(), merged.end(), [&](const auto& p) { return p.first == name; });
    if (it == merged.end()) {
      merged.emplace_back(name, value);
    } else {
      absl::StrAppend(&it->second, ", ", value);
    }
  }
  for (size_t i = 0; i < merged.size(); ++i) {
    if (i > 0) out.append(", ");
    appendJsonString(&out, merged[i].first);
    out.append(": ");
    appendJsonString(&out, merged[i].second);
  }
  absl::StrAppend(&out, "}, \"body_bytes\": ", request.body_bytes,
                  ", \"connection_id\": ", connection_id, ", \"request_index\": ", request_index,
                  ", \"peer\": ");
  appendJsonString(&out, peer);
  out.append("}\n");
  return out;
}

}  // namespace meshproxy::testing::test_server
