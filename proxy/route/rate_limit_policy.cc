#include "proxy/route/rate_limit_policy.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>

#include "proxy/network/cidr_range.h"

namespace meshproxy::route {
namespace {

namespace action = rate_limit_action;

// The client IP as text, optionally with its host bits cleared and "/len" appended, written into
// `buf` (no allocation). Empty when the client address is not IPv4 or IPv6.
std::string_view formatClientIp(const network::Address* address, const uint32_t* prefix_len,
                                char (&buf)[INET6_ADDRSTRLEN + 4]) {
  if (address == nullptr || !address->valid()) return {};
  size_t n = 0;
  const uint8_t* bytes = network::addressBytes(*address, &n);
  if (bytes == nullptr) return {};
  uint8_t copy[16];
  std::memcpy(copy, bytes, n);
  uint32_t len = 0;
  if (prefix_len != nullptr) {
    len = *prefix_len;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t bit = static_cast<uint32_t>(i) * 8;
      if (bit >= len) {
        copy[i] = 0;
      } else if (len - bit < 8) {
        copy[i] &= static_cast<uint8_t>(0xff << (8 - (len - bit)));
      }
    }
  }
  if (inet_ntop(address->family(), copy, buf, INET6_ADDRSTRLEN) == nullptr) return {};
  size_t size = std::strlen(buf);
  if (prefix_len != nullptr) {
    size += static_cast<size_t>(std::snprintf(buf + size, sizeof(buf) - size, "/%u", len));
  }
  return {buf, size};
}

std::string_view orDefault(const std::string& key, std::string_view fallback) {
  return key.empty() ? fallback : std::string_view(key);
}

// Adds the action's entry to `d`; false when the action declines.
bool apply(const RateLimitAction& a, const RateLimitRequest& request, RateLimitDescriptor& d) {
  char buf[INET6_ADDRSTRLEN + 4];
  if (std::holds_alternative<action::SourceCluster>(a)) {
    d.add("source_cluster", request.source_cluster);
    return true;
  }
  if (std::holds_alternative<action::DestinationCluster>(a)) {
    d.add("destination_cluster", request.destination_cluster);
    return true;
  }
  if (std::holds_alternative<action::RemoteAddress>(a)) {
    std::string_view ip = formatClientIp(request.remote_address, nullptr, buf);
    if (ip.empty()) return false;
    d.add("remote_address", ip);
    return true;
  }
  if (const auto* masked = std::get_if<action::MaskedRemoteAddress>(&a)) {
    const network::Address* address = request.remote_address;
    if (address == nullptr) return false;
    const uint32_t len =
        address->family() == AF_INET6 ? masked->v6_prefix_len : masked->v4_prefix_len;
    std::string_view cidr = formatClientIp(address, &len, buf);
    if (cidr.empty()) return false;
    d.add("masked_remote_address", cidr);
    return true;
  }
  if (const auto* header = std::get_if<action::RequestHeader>(&a)) {
    // Envoy uses the first value of a repeated header.
    std::optional<std::string_view> value = request.headers.get(header->header_name);
    if (!value) return header->skip_if_absent;
    d.add(header->descriptor_key, *value);
    return true;
  }
  if (const auto* generic = std::get_if<action::GenericKey>(&a)) {
    d.add(orDefault(generic->key, "generic_key"), generic->value);
    return true;
  }
  if (const auto* match = std::get_if<action::HeaderValueMatch>(&a)) {
    bool all = true;
    for (const auto& m : match->headers) {
      if (!m.matches(request.headers)) {
        all = false;
        break;
      }
    }
    if (all != match->expect_match) return false;
    d.add(orDefault(match->key, "header_match"), match->value);
    return true;
  }
  const auto& query = std::get<action::QueryParameterValueMatch>(a);
  std::string_view path = request.headers.path();
  const size_t q = path.find('?');
  std::string_view query_string =
      q == std::string_view::npos ? std::string_view() : path.substr(q + 1);
  bool all = true;
  for (const auto& m : query.query_parameters) {
    if (!m.matches(query_string)) {
      all = false;
      break;
    }
  }
  if (all != query.expect_match) return false;
  d.add(orDefault(query.key, "query_match"), query.value);
  return true;
}

}  // namespace

void RateLimitPolicyEntry::populate(const RateLimitRequest& request,
                                    RateLimitDescriptorList& out) const {
  RateLimitDescriptor& descriptor = out.add();
  for (const RateLimitAction& a : actions) {
    if (!apply(a, request, descriptor)) {
      out.dropLast();
      return;
    }
  }
  // Every action skipped (absent headers with skip_if_absent): nothing to limit on.
  if (descriptor.empty()) out.dropLast();
}

RateLimitPolicy::RateLimitPolicy(std::vector<RateLimitPolicyEntry> entries)
    : entries_(std::move(entries)) {}

bool RateLimitPolicy::hasStage(uint32_t stage) const {
  for (const auto& e : entries_) {
    if (e.stage == stage) return true;
  }
  return false;
}

void RateLimitPolicy::populate(uint32_t stage, bool skip_disable_key,
                               const RateLimitRequest& request,
                               RateLimitDescriptorList& out) const {
  for (const auto& e : entries_) {
    if (e.stage != stage || (skip_disable_key && !e.disable_key.empty())) continue;
    e.populate(request, out);
  }
}

void populateRateLimitDescriptors(const RateLimitPolicy& route, const RateLimitPolicy& virtual_host,
                                  VhRateLimits option, uint32_t stage, RateLimitFilterKind kind,
                                  const RateLimitRequest& request, RateLimitDescriptorList& out) {
  const bool skip = kind == RateLimitFilterKind::kLocal;
  route.populate(stage, skip, request, out);
  const bool with_vh =
      option == VhRateLimits::kInclude || (option == VhRateLimits::kOverride && route.empty());
  if (with_vh) virtual_host.populate(stage, skip, request, out);
}

}  // namespace meshproxy::route
