#include "proxy/route/virtual_host_index.h"

#include <fmt/format.h>

#include "proxy/core/strings.h"
#include "proxy/core/ascii_case.h"

namespace meshproxy::route {
namespace {

// Envoy's HeaderUtility::getPortStart(): the ':' that starts the port, or npos. A ':' inside
// an IPv6 literal ("[::1]") is not one.
size_t portStart(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) return colon;
  size_t v6_end = host.rfind(']');
  if (v6_end == std::string_view::npos || v6_end < colon) return colon;
  return std::string_view::npos;
}

}  // namespace

absl::Status VirtualHostIndex::add(std::string_view domain, const VirtualHost* vhost,
                                   std::string_view route_config_name) {
  std::string lower(domain);
  for (char& c : lower) c = lowerAscii(c);
  bool inserted = true;
  if (lower == "*") {
    if (default_ != nullptr) {
      return absl::InvalidArgumentError(
          fmt::format("only a single wildcard domain is permitted in route {}", route_config_name));
    }
    default_ = vhost;
  } else if (!lower.empty() && lower.front() == '*') {
    inserted = suffixes_[lower.size() - 1].emplace(lower.substr(1), vhost).second;
  } else if (!lower.empty() && lower.back() == '*') {
    inserted = prefixes_[lower.size() - 1].emplace(lower.substr(0, lower.size() - 1), vhost).second;
  } else {
    inserted = exact_.emplace(lower, vhost).second;
  }
  if (!inserted) {
    return absl::InvalidArgumentError(fmt::format(
        "only unique values for domains are permitted; duplicate entry of domain {} in route {}",
        lower, route_config_name));
  }
  return absl::OkStatus();
}

const VirtualHost* VirtualHostIndex::find(const http::HeaderMap& request_headers) const {
  // Fast path, as in Envoy: "*" alone matches every request, even one without a host.
  if (exact_.empty() && suffixes_.empty() && prefixes_.empty()) return default_;
  std::optional<std::string_view> host = request_headers.get(http::headers::kAuthority);
  if (!host) return nullptr;
  return findHost(*host);
}

const VirtualHost* VirtualHostIndex::findHost(std::string_view host) const {
  if (ignore_port_) {
    size_t port = portStart(host);
    if (port != std::string_view::npos) host = host.substr(0, port);
  }
  // Lower-case into a stack buffer: hosts are short, and the worker should not allocate.
  char buffer[256];
  std::string heap;
  char* out = buffer;
  if (host.size() > sizeof(buffer)) {
    heap.resize(host.size());
    out = heap.data();
  }
  for (size_t i = 0; i < host.size(); ++i) out[i] = lowerAscii(host[i]);
  return findLowercase(std::string_view(out, host.size()));
}

const VirtualHost* VirtualHostIndex::findLowercase(std::string_view host) const {
  if (auto it = exact_.find(toAbsl(host)); it != exact_.end()) return it->second;
  // A wildcard needs at least one character for its '*', hence length < host.size().
  for (const auto& [length, domains] : suffixes_) {
    if (length >= host.size()) continue;
    if (auto it = domains.find(toAbsl(host.substr(host.size() - length))); it != domains.end()) {
      return it->second;
    }
  }
  for (const auto& [length, domains] : prefixes_) {
    if (length >= host.size()) continue;
    if (auto it = domains.find(toAbsl(host.substr(0, length))); it != domains.end()) {
      return it->second;
    }
  }
  return default_;
}

}  // namespace meshproxy::route
