#include "proxy/tls/tls_context_translator.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "proxy/protobuf/config_source.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/core/strings.h"
#include "proxy/tls/openssl_ptr.h"

namespace meshproxy::tls {
namespace {

using envoy::extensions::transport_sockets::tls::v3::CommonTlsContext;
using envoy::extensions::transport_sockets::tls::v3::SdsSecretConfig;
using envoy::extensions::transport_sockets::tls::v3::TlsParameters;

absl::Status invalid(std::string_view message) {
  return absl::InvalidArgumentError(toAbsl(message));
}

absl::StatusOr<int> protocolVersion(TlsParameters::TlsProtocol p, int automatic,
                                    std::string_view field) {
  switch (p) {
    case TlsParameters::TLS_AUTO:
      return automatic;
    case TlsParameters::TLSv1_0:
      return TLS1_VERSION;
    case TlsParameters::TLSv1_1:
      return TLS1_1_VERSION;
    case TlsParameters::TLSv1_2:
      return TLS1_2_VERSION;
    case TlsParameters::TLSv1_3:
      return TLS1_3_VERSION;
    default:
      return invalid(absl::StrCat("tls_params.", toAbsl(field), ": unknown version"));
  }
}

// Envoy's (BoringSSL's) cipher lists may group equal-preference ciphers as "[A|B]"; OpenSSL
// has no such groups, so they become plain entries in order. Every name must be known.
absl::StatusOr<std::string> cipherList(const TlsParameters& params) {
  static SSL_CTX* scratch = SSL_CTX_new(TLS_method());
  std::vector<std::string> names;
  for (const std::string& entry : params.cipher_suites()) {
    std::string flat = entry;
    std::erase(flat, '[');
    std::erase(flat, ']');
    for (absl::string_view name : absl::StrSplit(flat, absl::ByAnyChar("|:"), absl::SkipEmpty())) {
      std::string n(name);
      if (SSL_CTX_set_cipher_list(scratch, n.c_str()) != 1) {
        takeOpenSslError();
        return invalid(absl::StrCat("tls_params.cipher_suites: unknown cipher '", n,
                                    "' (TLS 1.3 suites are not configurable)"));
      }
      names.push_back(std::move(n));
    }
  }
  return absl::StrJoin(names, ":");
}

absl::Status translateParams(const TlsParameters& params, bool server, TlsContextConfig& config) {
  // Envoy's defaults: TLS 1.2 minimum; maximum 1.3 for servers, 1.2 for clients.
  auto min = protocolVersion(params.tls_minimum_protocol_version(), TLS1_2_VERSION,
                             "tls_minimum_protocol_version");
  if (!min.ok()) return min.status();
  auto max =
      protocolVersion(params.tls_maximum_protocol_version(),
                      server ? TLS1_3_VERSION : TLS1_2_VERSION, "tls_maximum_protocol_version");
  if (!max.ok()) return max.status();
  if (*min > *max) {
    return invalid(
        "tls_params: tls_minimum_protocol_version is above tls_maximum_protocol_version");
  }
  config.min_version = *min;
  config.max_version = *max;
  if (params.cipher_suites_size() > 0) {
    auto ciphers = cipherList(params);
    if (!ciphers.ok()) return ciphers.status();
    config.cipher_list = *ciphers;
  } else {
    config.cipher_list =
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
        "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:"
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384";
  }
  config.curves =
      params.ecdh_curves_size() > 0 ? absl::StrJoin(params.ecdh_curves(), ":") : "X25519:P-256";
  return absl::OkStatus();
}

absl::StatusOr<std::string> sdsName(const SdsSecretConfig& sds, std::string_view field,
                                    TlsContextConfig& config) {
  if (sds.name().empty()) return invalid(absl::StrCat(toAbsl(field), ": name is required"));
  if (sds.sds_config().has_initial_fetch_timeout()) {
    config.sds_initial_fetch_timeout =
        protobuf::toMilliseconds(sds.sds_config().initial_fetch_timeout());
  }
  // Without sds_config Envoy takes the secret from static_resources.secrets; with it, from
  // ADS, its own api_config_source or a file. Either way the SecretManager holds it under its
  // name; the server subscribes to it through the source recorded here.
  if (sds.has_sds_config()) {
    const auto& source = sds.sds_config();
    if (source.has_self()) {
      return invalid(absl::StrCat(toAbsl(field), ": unsupported: sds_config.self"));
    }
    if (!source.has_ads()) {
      auto [it, inserted] = config.sds_sources.try_emplace(sds.name(), source);
      if (!inserted && protobuf::configSourceKey(it->second) != protobuf::configSourceKey(source)) {
        return invalid(absl::StrCat(toAbsl(field), ": secret '", sds.name(),
                                    "' is named twice with different sds_config"));
      }
    }
  }
  return sds.name();
}

absl::Status translateCommon(const CommonTlsContext& proto, bool server, TlsContextConfig& config) {
  if (auto s = translateParams(proto.tls_params(), server, config); !s.ok()) return s;
  if (proto.tls_certificates_size() + proto.tls_certificate_sds_secret_configs_size() > 1) {
    return invalid(
        "unsupported: more than one certificate (tls_certificates / "
        "tls_certificate_sds_secret_configs)");
  }
  if (proto.tls_certificates_size() == 1) {
    auto cert = translateTlsCertificate(proto.tls_certificates(0));
    if (!cert.ok()) return protobuf::withContext(cert.status(), "tls_certificates[0]");
    config.certificate = std::move(*cert);
  } else if (proto.tls_certificate_sds_secret_configs_size() == 1) {
    auto name = sdsName(proto.tls_certificate_sds_secret_configs(0),
                        "tls_certificate_sds_secret_configs[0]", config);
    if (!name.ok()) return name.status();
    config.certificate_sds = *name;
  }
  switch (proto.validation_context_type_case()) {
    case CommonTlsContext::kValidationContext: {
      auto v = translateValidationContext(proto.validation_context());
      if (!v.ok()) return protobuf::withContext(v.status(), "validation_context");
      config.validation = std::move(*v);
      break;
    }
    case CommonTlsContext::kValidationContextSdsSecretConfig: {
      auto name = sdsName(proto.validation_context_sds_secret_config(),
                          "validation_context_sds_secret_config", config);
      if (!name.ok()) return name.status();
      config.validation_sds = *name;
      break;
    }
    case CommonTlsContext::kCombinedValidationContext: {
      const auto& combined = proto.combined_validation_context();
      auto v = translateValidationContext(combined.default_validation_context());
      if (!v.ok()) {
        return protobuf::withContext(v.status(),
                                   "combined_validation_context.default_validation_context");
      }
      config.validation = std::move(*v);
      auto name =
          sdsName(combined.validation_context_sds_secret_config(),
                  "combined_validation_context.validation_context_sds_secret_config", config);
      if (!name.ok()) return name.status();
      config.validation_sds = *name;
      break;
    }
    default:
      break;
  }
  for (const std::string& p : proto.alpn_protocols()) {
    if (p.empty() || p.size() > 255)
      return invalid(absl::StrCat("alpn_protocols: bad entry '", p, "'"));
    config.alpn_wire.push_back(static_cast<char>(p.size()));
    config.alpn_wire += p;
  }
  return absl::OkStatus();
}

}  // namespace

const protobuf::SupportedFields& tlsSupportedFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
      {"envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
       {"common_tls_context", "require_client_certificate", "session_ticket_keys",
        "disable_stateless_session_resumption"}},
      {"envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
       {"common_tls_context", "sni", "max_session_keys"}},
      {"envoy.extensions.transport_sockets.tls.v3.CommonTlsContext",
       {"tls_params", "tls_certificates", "tls_certificate_sds_secret_configs",
        "validation_context", "validation_context_sds_secret_config", "combined_validation_context",
        "alpn_protocols"}},
      {"envoy.extensions.transport_sockets.tls.v3.CommonTlsContext."
       "CombinedCertificateValidationContext",
       {"default_validation_context", "validation_context_sds_secret_config"}},
      {"envoy.extensions.transport_sockets.tls.v3.TlsParameters",
       {"tls_minimum_protocol_version", "tls_maximum_protocol_version", "cipher_suites",
        "ecdh_curves"}},
      {"envoy.extensions.transport_sockets.tls.v3.TlsCertificate",
       {"certificate_chain", "private_key"}},
      {"envoy.extensions.transport_sockets.tls.v3.TlsSessionTicketKeys", {"keys"}},
      {"envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig", {"name", "sds_config"}},
      {"envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext",
       {"trusted_ca", "match_typed_subject_alt_names", "match_subject_alt_names", "crl"}},
      {"envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher", {"san_type", "matcher"}},
      {"envoy.extensions.transport_sockets.tls.v3.Secret",
       {"name", "tls_certificate", "validation_context"}},
      {"envoy.config.core.v3.DataSource", {"filename", "inline_bytes", "inline_string"}},
      {"envoy.type.matcher.v3.StringMatcher",
       {"exact", "prefix", "suffix", "contains", "safe_regex", "ignore_case"}},
      {"envoy.type.matcher.v3.RegexMatcher", {"regex", "google_re2"}},
      {"envoy.type.matcher.v3.RegexMatcher.GoogleRE2", {}},
    };
    // sds_config: ADS, an api_config_source of its own, or a file.
    f.merge(protobuf::configSourceSupportedFields());
    return f;
  }();
  return fields;
}

absl::StatusOr<DataSourceSpec> translateDataSource(const envoy::config::core::v3::DataSource& proto,
                                                   std::string_view field) {
  DataSourceSpec spec;
  switch (proto.specifier_case()) {
    case envoy::config::core::v3::DataSource::kFilename:
      if (proto.filename().empty()) return invalid(absl::StrCat(toAbsl(field), ": empty filename"));
      spec.filename = proto.filename();
      return spec;
    case envoy::config::core::v3::DataSource::kInlineBytes:
      spec.inline_bytes = proto.inline_bytes();
      return spec;
    case envoy::config::core::v3::DataSource::kInlineString:
      spec.inline_bytes = proto.inline_string();
      return spec;
    default:
      return invalid(
          absl::StrCat(toAbsl(field), ": filename, inline_bytes or inline_string is required"));
  }
}

absl::StatusOr<CertificateSpec> translateTlsCertificate(const tlsv3::TlsCertificate& proto) {
  auto chain = translateDataSource(proto.certificate_chain(), "certificate_chain");
  if (!chain.ok()) return chain.status();
  auto key = translateDataSource(proto.private_key(), "private_key");
  if (!key.ok()) return key.status();
  return CertificateSpec{std::move(*chain), std::move(*key)};
}

absl::StatusOr<ValidationSpec> translateValidationContext(
    const tlsv3::CertificateValidationContext& proto) {
  ValidationSpec spec;
  if (proto.has_trusted_ca()) {
    auto ca = translateDataSource(proto.trusted_ca(), "trusted_ca");
    if (!ca.ok()) return ca.status();
    spec.trusted_ca = std::move(*ca);
  }
  if (proto.has_crl()) {
    auto crl = translateDataSource(proto.crl(), "crl");
    if (!crl.ok()) return crl.status();
    spec.crl = std::move(*crl);
  }
  for (int i = 0; i < proto.match_typed_subject_alt_names_size(); ++i) {
    auto m = SanMatcher::fromProto(proto.match_typed_subject_alt_names(i));
    if (!m.ok()) {
      return protobuf::withContext(m.status(),
                                 absl::StrCat("match_typed_subject_alt_names[", i, "]"));
    }
    spec.san_matchers.push_back(std::move(*m));
  }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  // Deprecated, still sent by older control planes: matches any SAN type.
  for (int i = 0; i < proto.match_subject_alt_names_size(); ++i) {
    auto m = SanMatcher::fromLegacyProto(proto.match_subject_alt_names(i));
    if (!m.ok()) {
      return protobuf::withContext(m.status(), absl::StrCat("match_subject_alt_names[", i, "]"));
    }
    spec.san_matchers.push_back(std::move(*m));
  }
#pragma GCC diagnostic pop
  return spec;
}

absl::StatusOr<std::shared_ptr<const TlsContextConfig>> translateDownstreamTlsContext(
    const tlsv3::DownstreamTlsContext& proto, std::string owner) {
  if (auto s = tlsSupportedFields().check(proto); !s.ok()) return s;
  auto config = std::make_shared<TlsContextConfig>();
  config->server = true;
  config->owner = std::move(owner);
  config->config_hash = protobuf::contentHash(proto);
  if (auto s = translateCommon(proto.common_tls_context(), true, *config); !s.ok()) {
    return protobuf::withContext(s, "common_tls_context");
  }
  if (!config->certificate.has_value() && config->certificate_sds.empty()) {
    return invalid(
        "a DownstreamTlsContext needs a certificate (tls_certificates or "
        "tls_certificate_sds_secret_configs)");
  }
  config->require_client_certificate =
      proto.has_require_client_certificate() && proto.require_client_certificate().value();
  if (config->require_client_certificate && !config->validates()) {
    return invalid("require_client_certificate needs a validation context with trusted_ca");
  }
  if (proto.has_session_ticket_keys()) {
    for (int i = 0; i < proto.session_ticket_keys().keys_size(); ++i) {
      std::string field = absl::StrCat("session_ticket_keys.keys[", i, "]");
      auto spec = translateDataSource(proto.session_ticket_keys().keys(i), field);
      if (!spec.ok()) return spec.status();
      auto key = readDataSource(*spec);
      if (!key.ok()) return protobuf::withContext(key.status(), field);
      if (key->size() != 80) return invalid(absl::StrCat(field, ": a key must be 80 bytes"));
      config->session_ticket_keys.push_back(std::move(*key));
    }
    if (config->session_ticket_keys.empty()) return invalid("session_ticket_keys: no keys");
  }
  if (proto.disable_stateless_session_resumption()) config->disable_tickets = true;
  return std::shared_ptr<const TlsContextConfig>(std::move(config));
}

absl::StatusOr<std::shared_ptr<const TlsContextConfig>> translateUpstreamTlsContext(
    const tlsv3::UpstreamTlsContext& proto, std::string owner) {
  if (auto s = tlsSupportedFields().check(proto); !s.ok()) return s;
  auto config = std::make_shared<TlsContextConfig>();
  config->server = false;
  config->owner = std::move(owner);
  config->config_hash = protobuf::contentHash(proto);
  if (auto s = translateCommon(proto.common_tls_context(), false, *config); !s.ok()) {
    return protobuf::withContext(s, "common_tls_context");
  }
  config->sni = proto.sni();
  if (proto.has_max_session_keys()) config->max_session_keys = proto.max_session_keys().value();
  return std::shared_ptr<const TlsContextConfig>(std::move(config));
}

}  // namespace meshproxy::tls
