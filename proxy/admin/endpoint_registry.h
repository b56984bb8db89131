// The admin endpoints by path and method: registration, lookup, and the help listing that
// answers "/", "/help" and unknown paths (as Envoy's admin does).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "proxy/admin/admin_handler.h"

namespace meshproxy::admin {

class EndpointRegistry {
 public:
  // `method` is "" (any method) or an upper-case token such as "GET" or "POST". A path has
  // either one any-method handler or handlers for distinct methods; a clash is AlreadyExists.
  absl::Status add(std::string path, std::string method, std::string help,
                   AsyncAdminHandler handler);

  // The handler for a request, or the response to send instead: 404 with the endpoint list for
  // an unknown path, 405 with an Allow header for a known path and another method. HEAD is
  // matched as GET.
  std::variant<const AsyncAdminHandler*, AdminResponse> resolve(const std::string& method,
                                                                const std::string& path) const;

  // "admin commands are:\n  /path: help\n  /other (POST): help\n...", sorted by path.
  std::string helpText() const;

 private:
  struct Endpoint {
    std::string method;
    std::string help;
    AsyncAdminHandler handler;
  };
  absl::flat_hash_map<std::string, std::vector<Endpoint>> endpoints_;
};

}  // namespace meshproxy::admin
