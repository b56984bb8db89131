#include "proxy/route/redirect.h"

#include "proxy/core/ascii_case.h"

namespace meshproxy::route {
namespace {

// Envoy's processRequestHost(): the request's host, without its port when the port is replaced
// or is the default port of a scheme that is being changed.
std::string_view requestHost(const http::HeaderMap& headers, std::string_view new_scheme,
                             std::string_view new_port) {
  std::string_view host = headers.authority();
  if (host.empty()) return host;
  size_t host_end;
  if (host[0] == '[') {  // IPv6 literal: only "]:" starts a port
    host_end = host.rfind("]:");
    if (host_end != std::string_view::npos) host_end += 1;
  } else {
    host_end = host.rfind(':');
  }
  if (host_end == std::string_view::npos) return host;

  std::string_view request_port = host.substr(host_end);
  // The HTTP connection manager always sets x-forwarded-proto; fall back to :scheme for requests
  // that did not pass through it.
  std::string_view request_scheme = headers.get("x-forwarded-proto").value_or(headers.scheme());
  bool remove_port = !new_port.empty();
  if (new_scheme != request_scheme) {
    remove_port |= equalsIgnoreCase(request_scheme, "https") && request_port == ":443";
    remove_port |= equalsIgnoreCase(request_scheme, "http") && request_port == ":80";
  }
  return remove_port ? host.substr(0, host_end) : host;
}

}  // namespace

std::string newUri(const Redirect* redirect, const http::HeaderMap& request_headers,
                   std::string_view path) {
  std::string_view scheme = redirect != nullptr && !redirect->scheme.empty()
                                ? std::string_view(redirect->scheme)
                                : request_headers.scheme();
  std::string_view port = redirect != nullptr ? std::string_view(redirect->port) : "";
  std::string_view host = redirect != nullptr && !redirect->host.empty()
                              ? std::string_view(redirect->host)
                              : requestHost(request_headers, scheme, port);

  std::string final_path;
  if (redirect != nullptr && !redirect->path.empty()) {
    final_path = redirect->path;
    // A path_redirect without a query keeps the request's query.
    if (!redirect->path_has_query) {
      size_t q = path.find('?');
      if (q != std::string_view::npos) final_path.append(path.substr(q));
    }
  } else {
    final_path = path;
  }
  if (!final_path.starts_with('/')) final_path.insert(0, 1, '/');
  if (redirect != nullptr && !redirect->path_has_query && redirect->strip_query) {
    size_t q = final_path.find('?');
    if (q != std::string::npos) final_path.resize(q);
  }

  std::string uri;
  uri.reserve(scheme.size() + 3 + host.size() + port.size() + final_path.size());
  uri.append(scheme).append("://").append(host).append(port).append(final_path);
  return uri;
}

}  // namespace meshproxy::route
