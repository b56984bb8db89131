#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "proxy/http/header_map.h"

namespace meshproxy::route {

struct VirtualHost;

// Finds the virtual host for a request's :authority, in Envoy's order:
//   1. an exact domain ("www.foo.com", "www.foo.com:8080");
//   2. the longest suffix wildcard ("*.foo.com", "*-bar.foo.com"), which needs at least one
//      character in place of the '*';
//   3. the longest prefix wildcard ("foo.*", "foo-*"), likewise;
//   4. the "*" virtual host.
// Hosts are compared case-insensitively and, as in Envoy, with their port: "foo.com" does not
// match "foo.com:8080" unless ignore_port_in_host_matching is set (the connection manager's
// strip_matching_host_port / strip_any_host_port strip it before routing instead).
class VirtualHostIndex {
 public:
  explicit VirtualHostIndex(bool ignore_port_in_host_matching = false)
      : ignore_port_(ignore_port_in_host_matching) {}

  // Config time. InvalidArgument for a domain already present (in any virtual host) or a
  // second "*"; `route_config_name` is only for the message.
  absl::Status add(std::string_view domain, const VirtualHost* vhost,
                   std::string_view route_config_name);

  // nullptr when nothing matches, or when the request has no :authority (unless "*" is the
  // only domain, which Envoy lets match anything).
  const VirtualHost* find(const http::HeaderMap& request_headers) const;
  const VirtualHost* findHost(std::string_view host) const;

 private:
  using DomainMap = absl::flat_hash_map<std::string, const VirtualHost*>;
  // Wildcards by the length of their literal part, longest first.
  using WildcardMaps = std::map<size_t, DomainMap, std::greater<>>;

  const VirtualHost* findLowercase(std::string_view host) const;

  bool ignore_port_;
  DomainMap exact_;
  WildcardMaps suffixes_;  // "*.foo.com" stored as ".foo.com"
  WildcardMaps prefixes_;  // "foo.*" stored as "foo."
  const VirtualHost* default_ = nullptr;
};

}  // namespace meshproxy::route
