#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "envoy/config/core/v3/config_source.pb.h"
#include "proxy/tls/san_matcher.h"

namespace meshproxy::tls {

// A DataSource after translation: a file (re-read on rotation) or bytes given inline.
struct DataSourceSpec {
  std::string filename;
  std::string inline_bytes;

  bool isFile() const { return !filename.empty(); }
  // For messages and /certs.
  std::string label() const { return isFile() ? filename : "<inline>"; }
};
absl::StatusOr<std::string> readDataSource(const DataSourceSpec& spec);

// tls_certificates[0]: a chain and its key.
struct CertificateSpec {
  DataSourceSpec certificate_chain;
  DataSourceSpec private_key;
};

// A CertificateValidationContext (static, or the default part of a combined one).
struct ValidationSpec {
  std::optional<DataSourceSpec> trusted_ca;
  std::optional<DataSourceSpec> crl;
  std::vector<SanMatcher> san_matchers;
};

// A DownstreamTlsContext (server) or UpstreamTlsContext (client) after translation.
// Immutable; the certificates it names are loaded into an SslContext by its provider.
struct TlsContextConfig {
  bool server = false;
  // Hash of the TLS context proto: sessions made under another configuration are not resumed.
  uint64_t config_hash = 0;
  // "listener 'inbound'" / "cluster 'backend'": for logs and errors.
  std::string owner;
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  // OpenSSL cipher string for TLS <= 1.2 and group list ("X25519:P-256").
  std::string cipher_list;
  std::string curves;
  // ALPN in wire format (length-prefixed names).
  std::string alpn_wire;

  // The certificate: static, or an SDS secret name (at most one of the two).
  std::optional<CertificateSpec> certificate;
  std::string certificate_sds;
  // The validation context: static, SDS, or both (combined_validation_context).
  std::optional<ValidationSpec> validation;
  std::string validation_sds;
  // Where each SDS secret above comes from when it is not ADS: its sds_config (an
  // api_config_source of its own, or a path_config_source file), by secret name.
  std::map<std::string, envoy::config::core::v3::ConfigSource> sds_sources;
  // sds_config.initial_fetch_timeout (the last SDS config that sets one; Envoy's default
  // otherwise): how long a listener or cluster using this context warms for its secrets.
  std::chrono::milliseconds sds_initial_fetch_timeout{15000};

  bool require_client_certificate = false;  // server
  std::string sni;                          // client
  uint32_t max_session_keys = 1;            // client: 0 disables resumption
  // Server: explicit session ticket keys (80 bytes each); the first one encrypts.
  std::vector<std::string> session_ticket_keys;
  bool disable_tickets = false;  // disable_stateless_session_resumption

  bool validates() const { return validation.has_value() || !validation_sds.empty(); }
  // SDS secrets this context needs before it can handshake.
  std::vector<std::string> secretNames() const {
    std::vector<std::string> names;
    if (!certificate_sds.empty()) names.push_back(certificate_sds);
    if (!validation_sds.empty()) names.push_back(validation_sds);
    return names;
  }
  // Files read for this context (watched for rotation).
  std::vector<std::string> files() const;
};

}  // namespace meshproxy::tls
