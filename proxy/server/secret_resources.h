#pragma once

#include <variant>

#include "envoy/extensions/transport_sockets/tls/v3/secret.pb.h"
#include "proxy/server/resource_store.h"

namespace meshproxy::tls {
class SecretManager;
}

namespace meshproxy::server {

// SDS: the secrets as received, for /config_dump. Their material lives in the SecretManager,
// which also rebuilds the TLS contexts that use them.
using SecretStore =
    ResourceStore<envoy::extensions::transport_sockets::tls::v3::Secret, std::monostate>;

// A secret waits for nothing. All or nothing: a secret that does not load (or whose key does
// not match its certificate) rejects the response and the previous secrets keep serving;
// valid ones rebuild the TLS contexts that use them, so new handshakes take them at once.
class SecretResources
    : public ResourceType<envoy::extensions::transport_sockets::tls::v3::Secret, std::monostate> {
 public:
  explicit SecretResources(tls::SecretManager* secrets) : secrets_(secrets) {}

  std::string_view noun() const override { return "secret"; }
  std::string_view api() const override { return "SDS"; }
  absl::StatusOr<std::string> nameOf(
      const envoy::extensions::transport_sockets::tls::v3::Secret& proto,
      size_t index) const override;
  // Loaded, all at once, in beforeCommit.
  absl::StatusOr<std::monostate> translate(
      const envoy::extensions::transport_sockets::tls::v3::Secret&) override {
    return std::monostate{};
  }
  Dependencies dependencies(const std::monostate&) const override { return {}; }
  absl::Status beforeCommit(std::vector<Candidate>& candidates) override;

 private:
  tls::SecretManager* secrets_;
};

}  // namespace meshproxy::server
