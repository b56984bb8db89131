#include "proxy/filters/http/cache/cache_policy.h"

#include <algorithm>
#include <array>

#include "absl/strings/numbers.h"
#include "proxy/core/ascii_case.h"
#include "proxy/core/strings.h"
#include "proxy/filters/http/cache/cache_headers.h"
#include "proxy/http/header_list.h"

namespace meshproxy::filters::cache {
namespace {

using std::chrono::duration_cast;

constexpr std::array<std::string_view, 5> kConditionalHeaders = {
    "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "if-range"};

bool cacheableStatus(uint32_t status) {
  switch (status) {
    case 200:
    case 203:
    case 204:
    case 300:
    case 301:
    case 308:
    case 404:
    case 405:
    case 410:
    case 414:
    case 451:
    case 501:
      return true;
    default:
      return false;
  }
}

ResponseCacheControl responseCacheControl(const http::HeaderMap& response) {
  auto cc = response.getJoined("cache-control");
  return parseResponseCacheControl(cc ? *cc : "");
}

RequestCacheControl requestCacheControl(const CacheConfig& config, const http::HeaderMap& request) {
  if (config.ignore_request_cache_control_header) return {};
  auto cc = request.getJoined("cache-control");
  RequestCacheControl c = parseRequestCacheControl(cc ? *cc : "");
  // Pragma: no-cache counts only without Cache-Control (RFC 9111 5.4).
  if (!cc) {
    auto pragma = request.getJoined("pragma");
    if (pragma && http::listHasToken(*pragma, "no-cache")) c.must_validate = true;
  }
  return c;
}

std::optional<SystemTime> dateOf(const http::HeaderMap& headers, std::string_view name) {
  auto v = headers.get(name);
  return v ? parseHttpDate(*v) : std::nullopt;
}

std::chrono::seconds freshnessLifetime(const http::HeaderMap& stored) {
  const ResponseCacheControl cc = responseCacheControl(stored);
  if (cc.max_age) return *cc.max_age;
  auto expires_header = stored.get("expires");
  if (!expires_header) return std::chrono::seconds(0);
  // An invalid Expires (e.g. "0") means already expired.
  auto expires = parseHttpDate(*expires_header);
  auto date = dateOf(stored, "date");
  if (!expires || !date || *expires <= *date) return std::chrono::seconds(0);
  return duration_cast<std::chrono::seconds>(*expires - *date);
}

// Whether a query parameter "name=value" stays in the key.
bool keepParameter(const CacheConfig& config, std::string_view parameter) {
  if (!config.query_parameters_included.empty()) {
    bool included = false;
    for (const auto& m : config.query_parameters_included)
      included = included || m.matches(parameter);
    if (!included) return false;
  }
  for (const auto& m : config.query_parameters_excluded) {
    if (m.matches(parameter)) return false;
  }
  return true;
}

}  // namespace

bool isCacheableRequest(const CacheConfig& config, const http::HeaderMap& request) {
  const std::string_view method = request.method();
  if (method != "GET" && method != "HEAD") return false;
  if (request.path().empty() || request.authority().empty()) return false;
  if (request.has("authorization") || request.has("range")) return false;
  for (std::string_view h : kConditionalHeaders) {
    if (request.has(h)) return false;
  }
  return !requestCacheControl(config, request).no_store;
}

bool isVaryAllowed(const CacheConfig& config, const http::HeaderMap& response) {
  auto vary = response.getJoined("vary");
  if (!vary) return true;
  bool allowed = true;
  http::forEachListElement(*vary, [&](std::string_view name) {
    if (name == "*") {
      allowed = false;
      return false;
    }
    const std::string lower = toLowerCopy(name);
    allowed = std::any_of(config.allowed_vary_headers.begin(), config.allowed_vary_headers.end(),
                          [&](const matcher::StringMatcher& m) { return m.match(lower); });
    return allowed;
  });
  return allowed;
}

bool isCacheableResponse(const CacheConfig& config, const http::HeaderMap& response) {
  const ResponseCacheControl cc = responseCacheControl(response);
  if (cc.no_store || !cacheableStatus(response.status())) return false;
  const bool validator = response.has("etag") || response.has("last-modified");
  const bool lifetime = cc.max_age.has_value() || response.has("expires");
  if (!lifetime && !(cc.must_validate && validator)) return false;
  return isVaryAllowed(config, response);
}

std::string varyIdentifier(std::string_view vary, const http::HeaderMap& request) {
  std::string id;
  http::forEachListElement(vary, [&](std::string_view name) {
    const std::string lower = toLowerCopy(name);
    id += lower;
    id += '\r';
    // Several lines of one header count as their comma-joined value.
    if (auto value = request.getJoined(lower)) id += *value;
    id += '\n';
    return true;
  });
  return id;
}

std::string cacheKey(const CacheConfig& config, const http::HeaderMap& request) {
  std::string key;
  if (!config.exclude_scheme) {
    key += request.scheme().empty() ? "http" : std::string(request.scheme());
    key += "://";
  }
  if (!config.exclude_host) key += toLowerCopy(request.authority());
  const std::string_view path = request.path();
  const size_t q = path.find('?');
  key += path.substr(0, q);
  if (q == std::string_view::npos) return key;
  std::string_view query = path.substr(q + 1);
  // A fragment is not sent to the origin; it does not name another resource.
  query = query.substr(0, query.find('#'));
  char separator = '?';
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view parameter = query.substr(0, amp);
    if (!parameter.empty() && keepParameter(config, parameter)) {
      key += separator;
      key += parameter;
      separator = '&';
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return key;
}

std::chrono::seconds currentAge(const http::HeaderMap& stored, SystemTime response_time,
                                SystemTime now) {
  using std::chrono::seconds;
  seconds apparent_age{0};
  if (auto date = dateOf(stored, "date"); date && response_time > *date) {
    apparent_age = duration_cast<seconds>(response_time - *date);
  }
  seconds age_value{0};
  if (auto age = stored.get("age")) {
    int64_t n = 0;
    if (absl::SimpleAtoi(toAbsl(*age), &n) && n > 0) age_value = seconds(n);
  }
  const seconds corrected_initial_age = std::max(apparent_age, age_value);
  const seconds resident =
      now > response_time ? duration_cast<seconds>(now - response_time) : seconds(0);
  return corrected_initial_age + resident;
}

Freshness freshness(const CacheConfig& config, const http::HeaderMap& request,
                    const http::HeaderMap& stored, SystemTime response_time, SystemTime now) {
  const RequestCacheControl req = requestCacheControl(config, request);
  const ResponseCacheControl resp = responseCacheControl(stored);
  const auto age = currentAge(stored, response_time, now);
  const auto lifetime = freshnessLifetime(stored);
  const bool has_validator =
      stored.has("etag") || stored.has("last-modified") || stored.has("date");
  const Freshness stale = has_validator ? Freshness::kRequiresValidation : Freshness::kUnusable;

  if (resp.must_validate || req.must_validate) return stale;
  if (req.max_age && age > *req.max_age) return stale;
  // Fresh for at least min-fresh more (RFC 9111 5.2.1.3).
  const auto needed = age + req.min_fresh.value_or(std::chrono::seconds(0));
  if (lifetime > needed) return Freshness::kFresh;
  // Stale: the client may accept it (max-stale), unless the origin said must-revalidate.
  if (!resp.no_stale && req.max_stale && lifetime > std::chrono::seconds(0) &&
      (*req.max_stale == std::chrono::seconds::max() || age - lifetime <= *req.max_stale)) {
    return Freshness::kFresh;
  }
  return stale;
}

bool addValidationHeaders(const http::HeaderMap& stored, http::HeaderMap& request) {
  bool any = false;
  if (auto etag = stored.get("etag")) {
    request.set("if-none-match", *etag);
    any = true;
  }
  if (auto modified = stored.get("last-modified")) {
    request.set("if-modified-since", *modified);
    any = true;
  } else if (auto date = stored.get("date")) {
    // RFC 9111 4.3.1: the Date of a response without Last-Modified may serve instead.
    request.set("if-modified-since", *date);
    any = true;
  }
  return any;
}

void updateStoredHeaders(const http::HeaderMap& not_modified, http::HeaderMap& stored) {
  // The stored body stays: the headers that describe it are not taken from the 304.
  static constexpr std::array<std::string_view, 5> kBodyHeaders = {
      "content-length", "content-encoding", "content-range", "content-type", "transfer-encoding"};
  auto updates = [&](const std::string& name) {
    return !name.empty() && name[0] != ':' &&
           std::find(kBodyHeaders.begin(), kBodyHeaders.end(), name) == kBodyHeaders.end();
  };
  for (const auto& [name, value] : not_modified.entries()) {
    if (updates(name)) stored.remove(name);
  }
  for (const auto& [name, value] : not_modified.entries()) {
    if (updates(name)) stored.add(name, value);
  }
}

}  // namespace meshproxy::filters::cache
