#include "proxy/server/secret_resources.h"

#include <algorithm>

#include "proxy/tls/secret_manager.h"

namespace meshproxy::server {

absl::StatusOr<std::string> SecretResources::nameOf(
    const envoy::extensions::transport_sockets::tls::v3::Secret& proto, size_t index) const {
  if (proto.name().empty())
    return absl::InvalidArgumentError(absl::StrCat("secret resource ", index, " has no name"));
  return proto.name();
}

absl::Status SecretResources::beforeCommit(std::vector<Candidate>& candidates) {
  if (secrets_ == nullptr)
    return absl::InvalidArgumentError("SDS secrets without a secret manager");
  // Every secret of the response, unchanged ones too, in the response's order.
  std::vector<const Candidate*> ordered;
  for (const auto& c : candidates) ordered.push_back(&c);
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->index < b->index; });
  std::vector<envoy::extensions::transport_sockets::tls::v3::Secret> incoming;
  incoming.reserve(ordered.size());
  for (const auto* c : ordered) incoming.push_back(c->proto);
  return secrets_->setSecrets(incoming);
}

}  // namespace meshproxy::server
