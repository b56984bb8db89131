#include "proxy/filters/common/rbac/rbac_matchers.h"

#include "proxy/http/header_map.h"
#include "proxy/http/path_utility.h"
#include "proxy/network/address.h"
#include "proxy/network/ssl_connection_info.h"

namespace meshproxy::filters::rbac {

bool AndMatcher::matches(const RequestView& request) const {
  for (const auto& child : children_) {
    if (!child->matches(request)) return false;
  }
  return true;
}

bool OrMatcher::matches(const RequestView& request) const {
  for (const auto& child : children_) {
    if (child->matches(request)) return true;
  }
  return false;
}

bool HeaderRule::matches(const RequestView& request) const {
  // TCP: an empty header map, so "present_match: false" (or an inverted rule) still matches,
  // as in Envoy's network RBAC.
  static const http::HeaderMap* const kNoHeaders = new http::HeaderMap();
  return header_.matches(request.headers != nullptr ? *request.headers : *kNoHeaders);
}

bool UrlPathRule::matches(const RequestView& request) const {
  if (request.headers == nullptr) return false;
  std::optional<std::string_view> path = request.headers->get(http::headers::kPath);
  if (!path) return false;
  return path_.match(http::stripQueryAndFragment(*path));
}

bool IpRule::matches(const RequestView& request) const {
  const network::Address* address = nullptr;
  switch (which_) {
    case Which::kDestination:
      address = request.local;
      break;
    case Which::kDirectRemote:
      address = request.direct_remote;
      break;
    case Which::kSource:
      address = request.source != nullptr ? request.source : request.direct_remote;
      break;
    case Which::kRemote:
      address = request.remote != nullptr   ? request.remote
                : request.source != nullptr ? request.source
                                            : request.direct_remote;
      break;
  }
  return address != nullptr && address->valid() && range_.contains(*address);
}

bool PortRule::matches(const RequestView& request) const {
  if (request.local == nullptr || !request.local->valid()) return false;
  const uint32_t port = request.local->port();
  return port >= start_ && port < end_;
}

bool AuthenticatedRule::matches(const RequestView& request) const {
  // Envoy accepts any TLS connection here, even without a client certificate; meshproxy
  // requires one: "authenticated" is meant to name a peer identity.
  const network::SslConnectionInfo* ssl = request.ssl;
  if (ssl == nullptr || !ssl->peerCertificatePresented()) return false;
  if (!principal_) return true;
  for (const std::string& uri : ssl->peerUriSans()) {
    if (principal_->match(uri)) return true;
  }
  for (const std::string& dns : ssl->peerDnsSans()) {
    if (principal_->match(dns)) return true;
  }
  return principal_->match(ssl->peerSubject());
}

bool MetadataRule::matches(const RequestView& request) const {
  const google::protobuf::Struct* ns =
      request.metadata != nullptr ? request.metadata->find(metadata_.filter()) : nullptr;
  return metadata_.match(ns);
}

}  // namespace meshproxy::filters::rbac
