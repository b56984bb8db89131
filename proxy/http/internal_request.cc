#include "proxy/http/internal_request.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace meshproxy::http {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr std::string_view kControlHeaders[] = {
    "retry-on",
    "retry-grpc-on",
    "max-retries",
    "upstream-alt-stat-name",
    "upstream-rq-timeout-ms",
    "upstream-rq-per-try-timeout-ms",
    "upstream-rq-timeout-alt-response",
    "expected-rq-timeout-ms",
    "force-trace",
    "ip-tags",
    "original-url",
    "hedge-on-per-try-timeout",
};

}  // namespace

bool isInternalAddress(std::string_view ip) {
  if (ip.size() > 45) return false;
  std::string text(ip);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    uint32_t a = ntohl(v4.s_addr);
    return (a >> 24) == 10 || (a >> 20) == ((172u << 4) | 1u) ||
           (a >> 16) == ((192u << 8) | 168u) || (a >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    static const in6_addr loopback = IN6ADDR_LOOPBACK_INIT;
    if (std::memcmp(&v6, &loopback, sizeof(v6)) == 0) return true;
    return (v6.s6_addr[0] & 0xfe) == 0xfc;  // fc00::/7
  }
  return false;
}

bool isInternalRequest(std::string_view xff) {
  xff = trim(xff);
  if (xff.empty() || xff.find(',') != std::string_view::npos) return false;
  return isInternalAddress(xff);
}

void removeEnvoyControlHeaders(HeaderMap& headers) {
  constexpr std::string_view kPrefix = "x-envoy-";
  headers.removeIf([&](const HeaderMap::Entry& e) {
    if (e.first.size() <= kPrefix.size() || e.first.compare(0, kPrefix.size(), kPrefix) != 0) {
      return false;
    }
    std::string_view rest = std::string_view(e.first).substr(kPrefix.size());
    for (std::string_view name : kControlHeaders) {
      if (rest == name) return true;
    }
    return false;
  });
}

}  // namespace meshproxy::http
