#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

// The configuration model of Envoy's reference rate limit service (envoyproxy/ratelimit), which
// `mesh-control ratelimit` serves: one YAML document per domain,
//
//   domain: payments
//   descriptors:
//   - key: remote_address
//     rate_limit: {unit: second, requests_per_unit: 10}
//   - key: client_id
//     value: tenant-42
//     rate_limit: {unit: minute, requests_per_unit: 600}
//     shadow_mode: true
//     descriptors:
//     - key: path
//       rate_limit: {unlimited: true}
//
// A request descriptor (a list of key/value entries) walks the tree level by level: at each
// level the node with the same key and value, else the node with the key and no value (any
// value, each value counted apart). The node reached by the last entry, if it has a
// rate_limit, limits the descriptor.
namespace meshproxy::xds_server::ratelimit {

enum class Unit : uint8_t { kSecond, kMinute, kHour, kDay };
std::chrono::seconds unitDuration(Unit unit);

struct RateLimit {
  Unit unit = Unit::kSecond;
  uint32_t requests_per_unit = 0;
  bool unlimited = false;
  std::string name;  // optional; reported back
};

struct DescriptorNode {
  std::optional<RateLimit> rate_limit;
  bool shadow_mode = false;
  // "key" -> node without a value; "key=value" -> node for that value.
  absl::flat_hash_map<std::string, std::unique_ptr<DescriptorNode>> children;
};

struct DomainConfig {
  std::string domain;
  DescriptorNode root;
};

// The limit a request descriptor matched, and the prefix of the counter key that identifies
// it ("<domain>_<key>_<value>_..."; the window start is appended by the counter).
struct MatchedLimit {
  const RateLimit* limit = nullptr;
  bool shadow_mode = false;
  std::string counter_key;
};

class RateLimitConfig {
 public:
  // Every field of the reference service's format: domain, descriptors (key, value,
  // rate_limit {unit, requests_per_unit, unlimited, name}, shadow_mode, descriptors); an
  // unknown field, an unknown unit, two documents for one domain or two descriptors with the
  // same key and value are errors naming the place.
  static absl::StatusOr<std::shared_ptr<const RateLimitConfig>> parse(
      const std::vector<std::string>& yaml_documents);

  // nullopt: no rule for this descriptor (the service answers OK for it).
  std::optional<MatchedLimit> match(
      std::string_view domain,
      const std::vector<std::pair<std::string, std::string>>& entries) const;

 private:
  absl::flat_hash_map<std::string, DomainConfig> domains_;
};

}  // namespace meshproxy::xds_server::ratelimit
