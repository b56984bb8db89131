#include "proxy/filters/http/jwt_authn/token_extractor.h"

#include "proxy/http/header_map.h"
#include "proxy/http/path_utility.h"

namespace meshproxy::filters::jwt_authn {
namespace {

constexpr std::string_view kBase64UrlPlusDot =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoding as Envoy's query parsing does it ('+' stays '+'; a bad escape stays as is).
std::string percentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      const int hi = hexValue(in[i + 1]);
      const int lo = hexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

// The first value of query parameter `name` in :path, decoded.
bool queryParam(std::string_view path, std::string_view name, std::string* value) {
  // A '?' inside the fragment does not start a query.
  path = path.substr(0, path.find('#'));
  const size_t q = path.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = path.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (percentDecode(pair.substr(0, eq)) != name) continue;
    *value = eq == std::string_view::npos ? "" : percentDecode(pair.substr(eq + 1));
    return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The first cookie `name` in any Cookie header; a quoted value loses its quotes.
bool cookie(const http::HeaderMap& headers, std::string_view name, std::string* value) {
  for (const auto& [key, header_value] : headers.entries()) {
    if (key != "cookie") continue;
    std::string_view rest = header_value;
    while (!rest.empty()) {
      const size_t semi = rest.find(';');
      std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || pair.substr(0, eq) != name) continue;
      std::string_view v = pair.substr(eq + 1);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      *value = std::string(v);
      return true;
    }
  }
  return false;
}

}  // namespace

TokenExtractor::TokenExtractor(const std::vector<const JwtProviderConfig*>& providers) {
  auto add = [](std::map<std::string, TokenLocation>& map, const std::string& key,
                TokenLocation::Kind kind, const std::string& name, const std::string& prefix,
                const std::string& issuer) {
    TokenLocation& location = map[key];
    location.kind = kind;
    location.name = name;
    location.value_prefix = prefix;
    location.issuers.insert(issuer);
  };
  for (const JwtProviderConfig* p : providers) {
    const std::string& iss = p->claims.issuer;
    for (const auto& h : p->from_headers) {
      add(headers_, h.name + h.value_prefix, TokenLocation::Kind::kHeader, h.name, h.value_prefix,
          iss);
    }
    for (const auto& param : p->from_params) {
      add(params_, param, TokenLocation::Kind::kParam, param, "", iss);
    }
    for (const auto& c : p->from_cookies)
      add(cookies_, c, TokenLocation::Kind::kCookie, c, "", iss);
    if (p->usesDefaultLocations()) {
      add(headers_, "authorizationBearer ", TokenLocation::Kind::kHeader, "authorization",
          "Bearer ", iss);
      add(params_, "access_token", TokenLocation::Kind::kParam, "access_token", "", iss);
    }
    if (!p->forward_payload_header.empty())
      headers_to_sanitize_.push_back(p->forward_payload_header);
    for (const auto& c : p->claim_to_headers) headers_to_sanitize_.push_back(c.header_name);
  }
}

std::vector<ExtractedToken> TokenExtractor::extract(const http::HeaderMap& headers) const {
  std::vector<ExtractedToken> tokens;
  for (const auto& [key, location] : headers_) {
    for (const auto& [name, value] : headers.entries()) {
      if (name != location.name) continue;
      std::string_view v = value;
      if (!location.value_prefix.empty()) {
        const size_t pos = v.find(location.value_prefix);
        if (pos == std::string_view::npos) continue;
        const size_t start = v.find_first_of(kBase64UrlPlusDot, pos + location.value_prefix.size());
        if (start != std::string_view::npos) v = v.substr(start);
      }
      tokens.push_back({std::string(v), &location});
    }
  }
  if (!params_.empty()) {
    const std::string_view path = headers.path();
    for (const auto& [name, location] : params_) {
      std::string value;
      if (queryParam(path, name, &value)) tokens.push_back({std::move(value), &location});
    }
  }
  for (const auto& [name, location] : cookies_) {
    std::string value;
    if (cookie(headers, name, &value)) tokens.push_back({std::move(value), &location});
  }
  return tokens;
}

void TokenExtractor::removeToken(http::HeaderMap& headers, const ExtractedToken& token) {
  if (token.location != nullptr && token.location->kind == TokenLocation::Kind::kHeader) {
    headers.remove(token.location->name);
  }
}

void TokenExtractor::sanitizeHeaders(http::HeaderMap& headers) const {
  for (const std::string& name : headers_to_sanitize_) headers.remove(name);
}

}  // namespace meshproxy::filters::jwt_authn
