#include "proxy/admin/endpoint_registry.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace meshproxy::admin {
namespace {

bool isMethodToken(const std::string& method) {
  return std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

absl::Status EndpointRegistry::add(std::string path, std::string method, std::string help,
                                   AsyncAdminHandler handler) {
  if (path.empty() || path.front() != '/' || path.find('?') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("admin path must start with '/' and have no query: '", path, "'"));
  }
  // HEAD is always derived from GET so it can never disagree with it.
  if (!isMethodToken(method) || method == "HEAD") {
    return absl::InvalidArgumentError(absl::StrCat("bad admin method '", method, "' for ", path));
  }
  if (!handler) return absl::InvalidArgumentError(absl::StrCat("no handler for ", path));
  std::vector<Endpoint>& at_path = endpoints_[path];
  for (const Endpoint& existing : at_path) {
    if (existing.method.empty() || method.empty() || existing.method == method) {
      return absl::AlreadyExistsError(
          absl::StrCat("admin endpoint ", path, " already has a handler for ",
                       existing.method.empty() ? "any method" : existing.method));
    }
  }
  at_path.push_back(Endpoint{std::move(method), std::move(help), std::move(handler)});
  return absl::OkStatus();
}

std::variant<const AsyncAdminHandler*, AdminResponse> EndpointRegistry::resolve(
    const std::string& method, const std::string& path) const {
  const auto it = endpoints_.find(path);
  if (it == endpoints_.end()) {
    return textResponse(404, absl::StrCat("invalid path. ", helpText()));
  }
  const std::string& wanted = method == "HEAD" ? std::string("GET") : method;
  std::vector<std::string> allowed;
  for (const Endpoint& endpoint : it->second) {
    if (endpoint.method.empty() || endpoint.method == wanted) return &endpoint.handler;
    allowed.push_back(endpoint.method);
    if (endpoint.method == "GET") allowed.push_back("HEAD");
  }
  std::sort(allowed.begin(), allowed.end());
  AdminResponse response;
  response.status = 405;
  // Envoy's wording for its POST-only (state-changing) endpoints.
  response.body =
      allowed == std::vector<std::string>{"POST"}
          ? absl::StrCat("Method ", method, " not allowed, POST required.\n")
          : absl::StrCat("Method ", method,
                         " not allowed, use one of: ", absl::StrJoin(allowed, ", "), ".\n");
  response.headers.emplace_back("allow", absl::StrJoin(allowed, ", "));
  return response;
}

std::string EndpointRegistry::helpText() const {
  std::vector<std::pair<const std::string*, const Endpoint*>> sorted;
  for (const auto& [path, at_path] : endpoints_) {
    for (const Endpoint& endpoint : at_path) sorted.emplace_back(&path, &endpoint);
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::tie(*a.first, a.second->method) < std::tie(*b.first, b.second->method);
  });
  std::string text = "admin commands are:\n";
  for (const auto& [path, endpoint] : sorted) {
    absl::StrAppend(&text, "  ", *path);
    // GET is the default reading of an endpoint; other methods are worth telling.
    if (!endpoint->method.empty() && endpoint->method != "GET") {
      absl::StrAppend(&text, " (", endpoint->method, ")");
    }
    absl::StrAppend(&text, ": ", endpoint->help, "\n");
  }
  return text;
}

}  // namespace meshproxy::admin
