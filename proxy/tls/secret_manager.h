#pragma once

#include <uv.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "proxy/core/timer.h"
#include "proxy/stats/gauge.h"
#include "proxy/tls/context_provider.h"
#include "proxy/tls/tls_material.h"

namespace envoy::extensions::transport_sockets::tls::v3 {
class Secret;
}
namespace envoy::config::core::v3 {
class ConfigSource;
}
namespace meshproxy::stats {
class Store;
}

namespace meshproxy::tls {

// The certificates and trust anchors meshproxy holds, and the TLS contexts built from them
// (main thread only, except where said).
//
// SDS: every Secret of a response goes through setSecrets(); a valid one replaces the
// previous value of that name and every TLS context that uses it is rebuilt at once (new
// handshakes use it, open connections keep theirs). An invalid one (unreadable PEM, a key
// that does not match its certificate, an unsupported field) is refused with an error that
// names it, and the previous value stays.
//
// Files: certificates and CAs configured as files are checked every second (mtime, size,
// inode) and reloaded when they change; a file that fails to load is logged and the
// previous certificate keeps serving.
class SecretManager {
 public:
  // `loop` (main loop) drives the file checks; null disables them (unit tests). `stats`
  // gets server.days_until_first_cert_expiring; may be null.
  SecretManager(uv_loop_t* loop, stats::Store* stats);
  ~SecretManager();
  SecretManager(const SecretManager&) = delete;
  SecretManager& operator=(const SecretManager&) = delete;

  using Secret = envoy::extensions::transport_sockets::tls::v3::Secret;

  // One SDS secret: validated, stored, dependents rebuilt. On error nothing changes.
  absl::Status setSecret(const Secret& secret);
  // A whole SDS response: all valid, or none applied (the error names the first bad one).
  absl::Status setSecrets(const std::vector<Secret>& secrets);
  // bootstrap static_resources.secrets, before any TLS context is translated: stored like SDS
  // secrets, but never subscribed to (a TLS context naming one without sds_config uses it, as
  // in Envoy). A duplicate name or an invalid secret is an error naming it.
  absl::Status addStaticSecrets(const std::vector<Secret>& secrets);
  bool isStatic(std::string_view name) const { return static_names_.contains(name); }
  // Validates without storing (the same checks setSecret makes).
  static absl::Status validateSecret(const Secret& secret);

  bool hasSecret(std::string_view name) const;
  // Null when absent or of the other kind.
  std::shared_ptr<const CertificateMaterial> certificate(std::string_view name) const;
  std::shared_ptr<const ValidationMaterial> validationContext(std::string_view name) const;
  // The SDS secret names any live TLS context uses, sorted (for the SDS subscription).
  std::vector<std::string> referencedSecrets() const;

  // How long a listener or cluster waits for this secret before going live without it: the
  // shortest sds_config.initial_fetch_timeout among the live contexts that name it.
  std::chrono::milliseconds initialFetchTimeout(std::string_view name) const;

  // Where secret `name` comes from: the sds_config a live TLS context gives for it, or null
  // for ADS (the server subscribes to it there).
  const envoy::config::core::v3::ConfigSource* sdsSource(std::string_view name) const;
  // A new TLS context's sds_configs, before it is registered: each must be one the server can
  // serve (the validator, set by the server, checks it against the bootstrap) and agree with
  // the one live contexts give for the same name (secrets are kept by name, one source each).
  absl::Status checkSdsSources(const TlsContextConfig& config) const;
  using SdsSourceValidator =
      std::function<absl::Status(const envoy::config::core::v3::ConfigSource* source)>;
  void setSdsSourceValidator(SdsSourceValidator validator) { validator_ = std::move(validator); }

  // Translators register each provider they make: it is rebuilt when its secrets or files
  // change, counted for days_until_first_cert_expiring and listed by /certs. Held weakly:
  // a provider goes away with the last config that uses it.
  void registerProvider(const std::shared_ptr<TlsContextProvider>& provider);

  // Reloads the providers whose files changed; runs every second on the loop.
  void checkFiles();
  // Admin GET /certs: Envoy's shape, one entry per live TLS context.
  std::string certsJson() const;
  // Days until the first certificate (own or CA) of any live context expires.
  int64_t daysUntilFirstCertExpiring() const;

 private:
  struct Entry {
    std::shared_ptr<const CertificateMaterial> certificate;
    std::shared_ptr<const ValidationMaterial> validation;
  };
  static absl::StatusOr<Entry> parse(const Secret& secret);
  void store(const std::string& name, Entry entry);
  std::vector<std::shared_ptr<TlsContextProvider>> liveProviders() const;
  void updateExpiryGauge();

  std::map<std::string, Entry, std::less<>> secrets_;
  std::set<std::string, std::less<>> static_names_;
  mutable std::vector<std::weak_ptr<TlsContextProvider>> providers_;
  std::unique_ptr<Timer> file_timer_;
  stats::Gauge* days_until_expiring_ = nullptr;
  SdsSourceValidator validator_;
};

}  // namespace meshproxy::tls
