#include "proxy/http/http2/header_conversion.h"

namespace meshproxy::http::http2 {
namespace {

bool isPseudo(std::string_view name) { return !name.empty() && name[0] == ':'; }

std::string_view trimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Regular fields, without the connection-specific ones (and host, which :authority carries).
void addRegularFields(const HeaderMap& headers, bool drop_host, NvList& out) {
  for (const auto& [name, value] : headers.entries()) {
    if (isPseudo(name) || isConnectionSpecificHeader(name, value)) continue;
    if (drop_host && name == "host") continue;
    out.add(name, value);
  }
}

}  // namespace

void NvList::add(std::string_view name, std::string_view value) {
  nghttp2_nv nv;
  nv.name = reinterpret_cast<uint8_t*>(const_cast<char*>(name.data()));
  nv.namelen = name.size();
  nv.value = reinterpret_cast<uint8_t*>(const_cast<char*>(value.data()));
  nv.valuelen = value.size();
  nv.flags = NGHTTP2_NV_FLAG_NONE;
  nv_.push_back(nv);
}

bool isConnectionSpecificHeader(std::string_view name, std::string_view value) {
  switch (name.size()) {
    case 2:
      return name == "te" && !equalsIgnoreCase(trimOws(value), "trailers");
    case 7:
      return name == "upgrade";
    case 10:
      return name == "connection" || name == "keep-alive";
    case 16:
      return name == "proxy-connection";
    case 17:
      return name == "transfer-encoding";
    default:
      return false;
  }
}

bool buildRequestHeaders(const HeaderMap& headers, bool extended_connect, NvList& out,
                         std::string& upgrade_protocol) {
  upgrade_protocol.clear();
  const std::string_view method = headers.method();
  std::string_view authority = headers.authority();
  bool drop_host = true;
  if (authority.empty()) {
    if (auto host = headers.get("host"); host.has_value()) authority = *host;
  }
  if (method == "CONNECT") {
    // RFC 9113 8.5: a plain CONNECT has no :scheme and no :path.
    out.add(":method", method);
    out.add(":authority", authority);
    addRegularFields(headers, drop_host, out);
    return true;
  }
  // An upgrade as the HTTP/1 codec presents it: :protocol (or upgrade: X) on a GET.
  std::optional<std::string_view> protocol = headers.get(headers::kProtocol);
  if (!protocol.has_value()) {
    auto connection = headers.get("connection");
    auto upgrade = headers.get("upgrade");
    if (upgrade.has_value() && connection.has_value() &&
        connection->find("pgrade") != std::string_view::npos) {
      protocol = trimOws(*upgrade);
    }
  }
  if (protocol.has_value()) {
    if (!extended_connect) return false;
    upgrade_protocol = std::string(*protocol);
    out.add(":method", "CONNECT");
    out.add(":protocol", *protocol);
  } else {
    out.add(":method", method);
  }
  out.add(":scheme", headers.scheme().empty() ? std::string_view("http") : headers.scheme());
  out.add(":authority", authority);
  out.add(":path", headers.path().empty() ? std::string_view("/") : headers.path());
  addRegularFields(headers, drop_host, out);
  return true;
}

void buildResponseHeaders(const HeaderMap& headers, bool upgrade_request, NvList& out) {
  std::string_view status = headers.get(headers::kStatus).value_or("200");
  // RFC 8441 5: the extended CONNECT succeeded; HTTP/2 has no 101.
  if (upgrade_request && status == "101") status = "200";
  out.add(":status", status);
  addRegularFields(headers, /*drop_host=*/false, out);
}

void buildTrailers(const HeaderMap& trailers, NvList& out) {
  addRegularFields(trailers, /*drop_host=*/false, out);
}

bool normalizeReceivedRequest(HeaderMap& headers) {
  if (headers.count("cookie") > 1) {
    std::string joined;
    for (const auto& [name, value] : headers.entries()) {
      if (name != "cookie") continue;
      if (!joined.empty()) joined += "; ";
      joined += value;
    }
    headers.set("cookie", joined);
  }
  if (!headers.has(headers::kAuthority)) {
    if (auto host = headers.get("host"); host.has_value()) {
      std::string value(*host);
      headers.remove("host");
      // Pseudo-headers stay first: rebuild the order with :authority after :scheme.
      HeaderMap rebuilt;
      rebuilt.reserve(headers.size() + 1);
      bool placed = false;
      for (const auto& [name, v] : headers.entries()) {
        if (!placed && !isPseudo(name)) {
          rebuilt.addLowercase(std::string(headers::kAuthority), value);
          placed = true;
        }
        rebuilt.addLowercase(name, v);
      }
      if (!placed) rebuilt.addLowercase(std::string(headers::kAuthority), value);
      headers = std::move(rebuilt);
    }
  }
  auto protocol = headers.get(headers::kProtocol);
  if (!protocol.has_value() || headers.method() != "CONNECT") return false;
  std::string upgrade(*protocol);
  headers.set(headers::kMethod, "GET");
  headers.addLowercase("upgrade", upgrade);
  headers.addLowercase("connection", "upgrade");
  return true;
}

void normalizeUpgradeResponse(HeaderMap& headers, std::string_view protocol) {
  if (headers.status() != 200) return;
  headers.set(headers::kStatus, "101");
  headers.set("upgrade", protocol);
  headers.set("connection", "upgrade");
}

}  // namespace meshproxy::http::http2
