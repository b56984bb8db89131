#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace google::protobuf {
template <typename T>
class RepeatedPtrField;
}
namespace envoy::config::route::v3 {
class RouteAction_HashPolicy;
}

namespace meshproxy {
namespace http {
class HeaderMap;
}
namespace network {
class Address;
}
}  // namespace meshproxy

// route.hash_policy: what a consistent-hashing balancer (RING_HASH, MAGLEV) hashes for a
// request, as Envoy's HashPolicyImpl computes it. Each policy that finds its input gives an
// xxHash64; several combine as hash = rotl(hash, 1) ^ next, and a `terminal` policy that found
// its input ends the list. No input anywhere: no hash (the balancer picks at random).
namespace meshproxy::route {

struct HashPolicy {
  enum class Kind : uint8_t { kHeader, kCookie, kSourceIp, kQueryParameter };
  Kind kind = Kind::kHeader;
  // kHeader: lower-case header name; kCookie: cookie name; kQueryParameter: parameter name.
  std::string name;
  // kCookie: when set and the request has no such cookie, one is generated, hashed, and set
  // on the response (Set-Cookie with Max-Age = ttl unless 0, Path = path, HttpOnly).
  std::optional<std::chrono::seconds> cookie_ttl;
  std::string cookie_path;
  bool terminal = false;
};

// What the policies give for one request.
struct RequestHash {
  std::optional<uint64_t> hash;
  // A generated cookie's Set-Cookie value for the response; "" for none.
  std::string set_cookie;
};

// The request's hash. `remote` and `local` are the downstream connection's addresses (source
// IP hashing, cookie generation); either may be null.
RequestHash computeRequestHash(const std::vector<HashPolicy>& policies,
                               const http::HeaderMap& headers, const network::Address* remote,
                               const network::Address* local);

// Translation of RouteAction.hash_policy; every field that is not implemented (header
// regex_rewrite, cookie attributes, filter_state) is an error naming it.
absl::StatusOr<std::vector<HashPolicy>> translateHashPolicies(
    const google::protobuf::RepeatedPtrField<envoy::config::route::v3::RouteAction_HashPolicy>&
        protos);

// The Set-Cookie value Envoy writes for a generated cookie: name="value"; Max-Age=..;
// Path=..; HttpOnly.
std::string makeSetCookieValue(std::string_view name, std::string_view value, std::string_view path,
                               std::chrono::seconds max_age);

}  // namespace meshproxy::route
