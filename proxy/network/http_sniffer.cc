#include "proxy/network/http_sniffer.h"

#include <algorithm>

namespace meshproxy::network {
namespace {

constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// The methods llhttp (and so Envoy's inspector) knows.
constexpr std::string_view kMethods[] = {
    "GET",      "HEAD",   "POST",      "PUT",         "DELETE",     "CONNECT",    "OPTIONS",
    "TRACE",    "PATCH",  "PROPFIND",  "PROPPATCH",   "MKCOL",      "COPY",       "MOVE",
    "LOCK",     "UNLOCK", "SEARCH",    "REPORT",      "MKACTIVITY", "CHECKOUT",   "MERGE",
    "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PURGE",      "MKCALENDAR", "LINK",
    "UNLINK",   "SOURCE", "QUERY",     "ACL",         "BIND",       "REBIND",     "UNBIND",
};

bool isPrefixOf(std::string_view have, std::string_view full) {
  return have.size() <= full.size() && full.substr(0, have.size()) == have;
}

// The verdict on `data`, the bytes within the limit; kNeedMore if they could start HTTP.
HttpSniffResult sniffPrefix(std::string_view data, size_t max_bytes) {
  // The h2c preface starts like a request line ("PRI * HTTP/2.0"): check it first.
  if (isPrefixOf(data.substr(0, kH2Preface.size()), kH2Preface)) {
    return data.size() >= kH2Preface.size() ? HttpSniffResult::kH2c : HttpSniffResult::kNeedMore;
  }
  size_t sp = data.find(' ');
  std::string_view method = data.substr(0, sp);
  bool known = false;
  bool prefix = false;
  for (auto m : kMethods) {
    if (m == method) known = true;
    if (isPrefixOf(method, m)) prefix = true;
  }
  if (sp == std::string_view::npos) {
    return prefix && data.size() < max_bytes ? HttpSniffResult::kNeedMore
                                             : HttpSniffResult::kNotHttp;
  }
  if (!known) return HttpSniffResult::kNotHttp;
  // The request target: no spaces, no control characters.
  size_t target_start = sp + 1;
  size_t target_end = target_start;
  while (target_end < data.size()) {
    unsigned char c = static_cast<unsigned char>(data[target_end]);
    if (c == ' ') break;
    if (c < 0x21 || c == 0x7f) return HttpSniffResult::kNotHttp;
    ++target_end;
  }
  if (target_end == data.size()) {
    return data.size() < max_bytes ? HttpSniffResult::kNeedMore : HttpSniffResult::kNotHttp;
  }
  if (target_end == target_start) return HttpSniffResult::kNotHttp;
  std::string_view rest = data.substr(target_end + 1);
  for (auto [version, result] :
       {std::pair{std::string_view("HTTP/1.1\r\n"), HttpSniffResult::kHttp11},
        std::pair{std::string_view("HTTP/1.0\r\n"), HttpSniffResult::kHttp10}}) {
    if (rest.size() >= version.size() && rest.substr(0, version.size()) == version) return result;
    // A bare LF ends the line too, as llhttp allows in lenient parsing.
    std::string_view lf = version.substr(0, 8);
    if (rest.size() >= 9 && rest.substr(0, 8) == lf && rest[8] == '\n') return result;
    if (isPrefixOf(rest, version)) return HttpSniffResult::kNeedMore;
  }
  return HttpSniffResult::kNotHttp;
}

}  // namespace

HttpSniffResult sniffHttp(std::string_view data, size_t max_bytes) {
  if (data.empty()) return HttpSniffResult::kNeedMore;
  data = data.substr(0, std::min(data.size(), max_bytes));
  const HttpSniffResult result = sniffPrefix(data, max_bytes);
  // Bytes past the limit are never looked at: once it is reached, waiting cannot help.
  if (result == HttpSniffResult::kNeedMore && data.size() >= max_bytes) {
    return HttpSniffResult::kNotHttp;
  }
  return result;
}

std::string_view applicationProtocolName(HttpSniffResult result) {
  switch (result) {
    case HttpSniffResult::kHttp10:
      return "http/1.0";
    case HttpSniffResult::kHttp11:
      return "http/1.1";
    case HttpSniffResult::kH2c:
      return "h2c";
    default:
      return "";
  }
}

}  // namespace meshproxy::network
