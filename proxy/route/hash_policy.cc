#include "proxy/route/hash_policy.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "envoy/config/route/v3/route_components.pb.h"
#include "proxy/core/ascii_case.h"
#include "proxy/http/header_map.h"
#include "proxy/http/header_validation.h"
#include "proxy/network/address.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::route {
namespace {

using ProtoHashPolicy = envoy::config::route::v3::RouteAction_HashPolicy;

uint64_t xxHash64(std::string_view data) { return XXH64(data.data(), data.size(), 0); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The first cookie `name` in any Cookie header; a quoted value loses its quotes (Envoy's
// parseCookieValue).
std::optional<std::string_view> cookieValue(const http::HeaderMap& headers, std::string_view name) {
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
      return v;
    }
  }
  return std::nullopt;
}

// The first value of query parameter `name` in :path, as received (not decoded, as Envoy).
std::optional<std::string_view> queryValue(std::string_view path, std::string_view name) {
  size_t q = path.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = path.substr(q + 1);
  if (size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view param = query.substr(start, end - start);
    size_t eq = param.find('=');
    std::string_view key = eq == std::string_view::npos ? param : param.substr(0, eq);
    if (key == name) {
      return eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    }
    start = end + 1;
  }
  return std::nullopt;
}

// A header's hash: Envoy hashes the one value, or all values sorted (so that their order on
// the wire does not matter) as one xxHash64 over their concatenation.
std::optional<uint64_t> headerHash(const http::HeaderMap& headers, std::string_view name) {
  absl::InlinedVector<std::string_view, 1> many;
  for (const auto& [key, value] : headers.entries()) {
    if (key == name) many.push_back(value);
  }
  if (many.empty()) return std::nullopt;
  if (many.size() == 1) return xxHash64(many[0]);
  std::sort(many.begin(), many.end());
  std::string joined;  // rare (a repeated header): one allocation is fine
  for (std::string_view v : many) joined.append(v);
  return xxHash64(joined);
}

}  // namespace

std::string makeSetCookieValue(std::string_view name, std::string_view value, std::string_view path,
                               std::chrono::seconds max_age) {
  std::string out = fmt::format("{}=\"{}\"", name, value);
  if (max_age.count() > 0) out += fmt::format("; Max-Age={}", max_age.count());
  if (!path.empty()) out += fmt::format("; Path={}", path);
  out += "; HttpOnly";
  return out;
}

RequestHash computeRequestHash(const std::vector<HashPolicy>& policies,
                               const http::HeaderMap& headers, const network::Address* remote,
                               const network::Address* local) {
  RequestHash out;
  for (const HashPolicy& policy : policies) {
    std::optional<uint64_t> next;
    switch (policy.kind) {
      case HashPolicy::Kind::kHeader:
        next = headerHash(headers, policy.name);
        break;
      case HashPolicy::Kind::kCookie:
        if (auto value = cookieValue(headers, policy.name); value.has_value()) {
          next = xxHash64(*value);
        } else if (policy.cookie_ttl.has_value() && remote != nullptr) {
          // Envoy's generated value: the hash of the connection's two addresses, so that the
          // requests of one connection agree until the client sends the cookie back.
          std::string seed = remote->str();
          if (local != nullptr) seed += local->str();
          std::string value = fmt::format("{:016x}", xxHash64(seed));
          next = xxHash64(value);
          out.set_cookie =
              makeSetCookieValue(policy.name, value, policy.cookie_path, *policy.cookie_ttl);
        }
        break;
      case HashPolicy::Kind::kSourceIp:
        if (remote != nullptr && !remote->isPipe()) next = xxHash64(remote->ip());
        break;
      case HashPolicy::Kind::kQueryParameter:
        if (auto value = queryValue(headers.path(), policy.name); value.has_value()) {
          next = xxHash64(*value);
        }
        break;
    }
    if (next.has_value()) {
      out.hash = out.hash.has_value() ? ((*out.hash << 1) | (*out.hash >> 63)) ^ *next : *next;
    }
    if (policy.terminal && out.hash.has_value()) break;
  }
  return out;
}

absl::StatusOr<std::vector<HashPolicy>> translateHashPolicies(
    const google::protobuf::RepeatedPtrField<ProtoHashPolicy>& protos) {
  std::vector<HashPolicy> out;
  for (int i = 0; i < protos.size(); ++i) {
    const ProtoHashPolicy& proto = protos[i];
    std::string where = fmt::format("hash_policy[{}]", i);
    HashPolicy policy;
    policy.terminal = proto.terminal();
    switch (proto.policy_specifier_case()) {
      case ProtoHashPolicy::kHeader:
        if (!http::isValidHeaderName(proto.header().header_name())) {
          return absl::InvalidArgumentError(
              fmt::format("{}.header.header_name '{}' is not a valid header name", where,
                          proto.header().header_name()));
        }
        policy.kind = HashPolicy::Kind::kHeader;
        policy.name = toLowerCopy(proto.header().header_name());
        break;
      case ProtoHashPolicy::kCookie: {
        const auto& cookie = proto.cookie();
        if (cookie.name().empty() ||
            cookie.name().find_first_of("=;, \t\"\r\n") != std::string::npos) {
          return absl::InvalidArgumentError(
              fmt::format("{}.cookie.name '{}' is not a cookie name", where, cookie.name()));
        }
        if (!http::isValidHeaderValue(cookie.path()) ||
            cookie.path().find(';') != std::string::npos) {
          return absl::InvalidArgumentError(
              fmt::format("{}.cookie.path must not contain ';', CR, LF or NUL", where));
        }
        policy.kind = HashPolicy::Kind::kCookie;
        policy.name = cookie.name();
        policy.cookie_path = cookie.path();
        if (cookie.has_ttl()) {
          auto ttl = protobuf::durationField(cookie.ttl(), where + ".cookie.ttl");
          if (!ttl.ok()) return ttl.status();
          policy.cookie_ttl = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
        }
        break;
      }
      case ProtoHashPolicy::kConnectionProperties:
        if (!proto.connection_properties().source_ip()) {
          return absl::InvalidArgumentError(
              fmt::format("{}.connection_properties needs source_ip: true", where));
        }
        policy.kind = HashPolicy::Kind::kSourceIp;
        break;
      case ProtoHashPolicy::kQueryParameter:
        if (proto.query_parameter().name().empty()) {
          return absl::InvalidArgumentError(
              fmt::format("{}.query_parameter.name must not be empty", where));
        }
        policy.kind = HashPolicy::Kind::kQueryParameter;
        policy.name = proto.query_parameter().name();
        break;
      case ProtoHashPolicy::kFilterState:
        return absl::InvalidArgumentError(fmt::format(
            "{}.filter_state is not supported (meshproxy keeps no filter state objects)", where));
      default:
        return absl::InvalidArgumentError(fmt::format(
            "{} needs one of header, cookie, connection_properties, query_parameter", where));
    }
    out.push_back(std::move(policy));
  }
  return out;
}

}  // namespace meshproxy::route
