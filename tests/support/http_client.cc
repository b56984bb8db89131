#include "tests/support/http_client.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/support/tcp_client.h"

namespace meshproxy::testing {
namespace {

constexpr size_t kMaxHeaderBytes = 1 << 20;

// Debian's abseil has its own string_view type (ABSL_OPTION_USE_STD_STRING_VIEW is 0).
absl::string_view av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool containsIgnoreCase(absl::string_view haystack, absl::string_view needle) {
  return absl::StrContains(absl::AsciiStrToLower(haystack), absl::AsciiStrToLower(needle));
}

bool hasHeaderIn(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, av(name))) return true;
  }
  return false;
}

// Scans chunked framing starting at data[pos]. Returns kComplete with *end after the final
// CRLF (and the decoded body in *body if non-null), kIncomplete, or kError.
HttpParseStatus scanChunked(absl::string_view data, size_t pos, size_t* end, std::string* body) {
  while (true) {
    size_t line_end = data.find("\r\n", pos);
    if (line_end == absl::string_view::npos) {
      return data.size() - pos > 1024 ? HttpParseStatus::kError : HttpParseStatus::kIncomplete;
    }
    absl::string_view size_text = data.substr(pos, line_end - pos);
    size_text = absl::StripAsciiWhitespace(size_text.substr(0, size_text.find(';')));
    uint64_t size = 0;
    if (size_text.empty() || size_text.size() > 15 || !absl::SimpleHexAtoi(size_text, &size)) {
      return HttpParseStatus::kError;
    }
    pos = line_end + 2;
    if (size == 0) {
      // Trailers, then an empty line.
      while (true) {
        size_t trailer_end = data.find("\r\n", pos);
        if (trailer_end == absl::string_view::npos) return HttpParseStatus::kIncomplete;
        bool empty = trailer_end == pos;
        pos = trailer_end + 2;
        if (empty) {
          *end = pos;
          return HttpParseStatus::kComplete;
        }
      }
    }
    if (data.size() < pos + size + 2) return HttpParseStatus::kIncomplete;
    if (data.substr(pos + size, 2) != "\r\n") return HttpParseStatus::kError;
    if (body != nullptr) body->append(data.data() + pos, size);
    pos += size + 2;
  }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, av(name))) return value;
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::headerValues(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, av(name))) values.push_back(value);
  }
  return values;
}

std::string buildHttpRequest(std::string_view method, std::string_view path,
                             const HeaderList& headers, std::string_view body) {
  std::string out = absl::StrCat(av(method), " ", av(path), " HTTP/1.1\r\n");
  for (const auto& [key, value] : headers) absl::StrAppend(&out, key, ": ", value, "\r\n");
  if (!body.empty() && !hasHeaderIn(headers, "content-length") &&
      !hasHeaderIn(headers, "transfer-encoding")) {
    absl::StrAppend(&out, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&out, "\r\n", av(body));
  return out;
}

HttpParseStatus parseHttpResponse(std::string_view data_in, bool eof, bool head_request,
                                  HttpResponse* out, size_t* consumed) {
  absl::string_view data = av(data_in);
  *out = HttpResponse();
  size_t header_end = data.find("\r\n\r\n");
  if (header_end == absl::string_view::npos) {
    if (data.size() > kMaxHeaderBytes) {
      out->error = "response header too large";
      return HttpParseStatus::kError;
    }
    if (eof) {
      out->error = data.empty() ? "connection closed before response"
                                : "connection closed inside response header";
      return HttpParseStatus::kError;
    }
    return HttpParseStatus::kIncomplete;
  }
  std::vector<absl::string_view> lines =
      absl::StrSplit(data.substr(0, header_end), absl::ByString("\r\n"));
  // Status line: HTTP/1.x SP 3DIGIT [SP reason]
  absl::string_view status_line = lines[0];
  int status = 0;
  if (!absl::StartsWith(status_line, "HTTP/1.") || status_line.size() < 12 ||
      status_line[8] != ' ' || !absl::SimpleAtoi(status_line.substr(9, 3), &status) ||
      status < 100 || status > 999 || (status_line.size() > 12 && status_line[12] != ' ')) {
    out->error = absl::StrCat("bad status line: ", status_line.substr(0, 200));
    return HttpParseStatus::kError;
  }
  HttpResponse response;
  response.reason = std::string(status_line.size() > 13 ? status_line.substr(13) : "");
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t colon = lines[i].find(':');
    if (colon == absl::string_view::npos || colon == 0) {
      out->error = absl::StrCat("bad header line: ", lines[i].substr(0, 200));
      return HttpParseStatus::kError;
    }
    response.headers.emplace_back(
        std::string(lines[i].substr(0, colon)),
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1))));
  }
  size_t body_start = header_end + 4;
  auto finish = [&](size_t end) {
    response.status = status;
    *out = std::move(response);
    *consumed = end;
    return HttpParseStatus::kComplete;
  };
  if (head_request || status < 200 || status == 204 || status == 304) return finish(body_start);

  std::optional<std::string> te = response.header("transfer-encoding");
  if (te.has_value() && containsIgnoreCase(*te, "chunked")) {
    size_t end = 0;
    HttpParseStatus s = scanChunked(data, body_start, &end, nullptr);
    if (s == HttpParseStatus::kComplete) {
      scanChunked(data, body_start, &end, &response.body);
      return finish(end);
    }
    if (s == HttpParseStatus::kError) out->error = "bad chunked encoding";
    if (s == HttpParseStatus::kIncomplete && eof) {
      out->error = "connection closed inside chunked body";
      return HttpParseStatus::kError;
    }
    return s;
  }
  std::optional<std::string> cl = response.header("content-length");
  if (cl.has_value()) {
    uint64_t length = 0;
    if (!absl::SimpleAtoi(*cl, &length)) {
      out->error = absl::StrCat("bad content-length: ", *cl);
      return HttpParseStatus::kError;
    }
    if (data.size() - body_start < length) {
      if (eof) {
        out->error = absl::StrCat("connection closed after ", data.size() - body_start, " of ",
                                  length, " body bytes");
        return HttpParseStatus::kError;
      }
      return HttpParseStatus::kIncomplete;
    }
    response.body = std::string(data.substr(body_start, length));
    return finish(body_start + length);
  }
  if (!eof) return HttpParseStatus::kIncomplete;
  response.body = std::string(data.substr(body_start));
  return finish(data.size());
}

HttpResponse httpRequest(const std::string& host, int port, std::string_view method,
                         std::string_view path, const HeaderList& headers, std::string_view body,
                         absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  HttpResponse response;
  TcpClient client;
  if (!client.connect(host, port, timeout)) {
    response.error = client.error();
    return response;
  }
  HeaderList all = headers;
  if (!hasHeaderIn(all, "host")) {
    bool v6 = host.find(':') != std::string::npos;
    all.insert(all.begin(),
               {"Host", v6 ? absl::StrCat("[", host, "]:", port) : absl::StrCat(host, ":", port)});
  }
  if (!hasHeaderIn(all, "connection")) all.emplace_back("Connection", "close");
  bool wants_length = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (wants_length && !hasHeaderIn(all, "content-length") &&
      !hasHeaderIn(all, "transfer-encoding")) {
    all.emplace_back("Content-Length", std::to_string(body.size()));
  }
  if (!client.sendAll(buildHttpRequest(method, path, all, body), deadline - absl::Now())) {
    response.error = client.error();
    // The server may still have answered (e.g. an early error reply); try reading.
  }
  const bool head = method == "HEAD";
  std::string data;
  size_t offset = 0;  // start of the response being parsed (after skipped 1xx responses)
  while (true) {
    size_t consumed = 0;
    HttpParseStatus s = parseHttpResponse(std::string_view(data).substr(offset), client.eofSeen(),
                                          head, &response, &consumed);
    if (s == HttpParseStatus::kComplete) {
      if (response.status >= 100 && response.status < 200 && response.status != 101) {
        offset += consumed;
        continue;
      }
      return response;
    }
    if (s == HttpParseStatus::kError) {
      response.status = 0;
      return response;
    }
    if (absl::Now() >= deadline) {
      response = HttpResponse();
      response.error = absl::StrCat("timeout after ", data.size(), " response bytes");
      return response;
    }
    std::string more = client.recvSome(256 * 1024, deadline - absl::Now());
    data += more;
    // recvSome returns "" on EOF (eofSeen) or timeout; the loop handles both.
  }
}

}  // namespace meshproxy::testing
