#include "proxy/tls/ssl_context.h"

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "proxy/core/log.h"
#include "proxy/core/strings.h"
#include "proxy/tls/session_ticket_keys.h"

namespace meshproxy::tls {
namespace {

int contextIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int recordIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

const SslContext* contextOf(const SSL* ssl) {
  return static_cast<const SslContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), contextIndex()));
}

absl::Status opensslError(std::string_view what) {
  std::string error = takeOpenSslError();
  return absl::InvalidArgumentError(absl::StrCat(toAbsl(what), error.empty() ? "" : ": ", error));
}

}  // namespace

void HandshakeRecord::attach(SSL* ssl, HandshakeRecord* record) {
  SSL_set_ex_data(ssl, recordIndex(), record);
}

HandshakeRecord* HandshakeRecord::of(const SSL* ssl) {
  return static_cast<HandshakeRecord*>(SSL_get_ex_data(ssl, recordIndex()));
}

absl::StatusOr<std::shared_ptr<const SslContext>> SslContext::create(Inputs inputs) {
  std::shared_ptr<SslContext> context(new SslContext(std::move(inputs)));
  if (auto s = context->build(); !s.ok()) return s;
  return std::shared_ptr<const SslContext>(std::move(context));
}

SslContext::~SslContext() = default;

absl::Status SslContext::build() {
  const TlsContextConfig& config = *inputs_.config;
  ERR_clear_error();
  ctx_.reset(SSL_CTX_new(config.server ? TLS_server_method() : TLS_client_method()));
  if (ctx_ == nullptr) return opensslError("SSL_CTX_new");
  SSL_CTX_set_ex_data(ctx_.get(), contextIndex(), this);
  if (auto s = applyParameters(); !s.ok()) return s;
  if (auto s = applyCertificate(); !s.ok()) return s;
  applyValidation();
  applySessions();
  return absl::OkStatus();
}

absl::Status SslContext::applyParameters() {
  const TlsContextConfig& config = *inputs_.config;
  SSL_CTX* ctx = ctx_.get();
  if (SSL_CTX_set_min_proto_version(ctx, config.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, config.max_version) != 1) {
    return opensslError("tls_params: protocol versions");
  }
  if (!config.cipher_list.empty() &&
      SSL_CTX_set_cipher_list(ctx, config.cipher_list.c_str()) != 1) {
    return opensslError(absl::StrCat("tls_params.cipher_suites '", config.cipher_list, "'"));
  }
  if (!config.curves.empty() && SSL_CTX_set1_groups_list(ctx, config.curves.c_str()) != 1) {
    return opensslError(absl::StrCat("tls_params.ecdh_curves '", config.curves, "'"));
  }
  // Renegotiation is refused (allow_renegotiation: false); compression is an attack surface.
  // Idle connections give their 34 KiB of OpenSSL buffers back (nginx does the same).
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               (config.server ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!config.alpn_wire.empty()) {
    if (config.server) {
      SSL_CTX_set_alpn_select_cb(ctx, &SslContext::selectAlpn, this);
    } else if (SSL_CTX_set_alpn_protos(
                   ctx, reinterpret_cast<const unsigned char*>(config.alpn_wire.data()),
                   static_cast<unsigned>(config.alpn_wire.size())) != 0) {
      return opensslError("alpn_protocols");
    }
  }
  return absl::OkStatus();
}

absl::Status SslContext::applyCertificate() {
  const CertificateMaterial* cert = inputs_.certificate.get();
  if (cert == nullptr) return absl::OkStatus();
  SSL_CTX* ctx = ctx_.get();
  X509* leaf = cert->chain[0].get();
  if (SSL_CTX_use_certificate(ctx, leaf) != 1) return opensslError("certificate_chain");
  for (size_t i = 1; i < cert->chain.size(); ++i) {
    if (SSL_CTX_add1_chain_cert(ctx, cert->chain[i].get()) != 1) {
      return opensslError("certificate_chain (intermediate)");
    }
  }
  if (SSL_CTX_use_PrivateKey(ctx, cert->key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return opensslError("private_key does not match the certificate");
  }
  local_uri_sans_ = uriSans(leaf);
  for (const auto& c : cert->chain)
    chain_info_.push_back(describeCertificate(c.get(), cert->source));
  return absl::OkStatus();
}

void SslContext::applyValidation() {
  const TlsContextConfig& config = *inputs_.config;
  SSL_CTX* ctx = ctx_.get();
  if (config.validation.has_value()) {
    for (const auto& m : config.validation->san_matchers) san_matchers_.push_back(&m);
  }
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  bool have_crl = false;
  for (const ValidationMaterial* v : {inputs_.validation.get(), inputs_.validation_sds.get()}) {
    if (v == nullptr) continue;
    for (const auto& m : v->san_matchers) san_matchers_.push_back(&m);
    for (const auto& ca : v->trusted_ca) {
      X509_STORE_add_cert(store, ca.get());
      ca_info_.push_back(describeCertificate(ca.get(), v->source));
    }
    for (const auto& crl : v->crls) {
      X509_STORE_add_crl(store, crl.get());
      have_crl = true;
    }
  }
  ERR_clear_error();  // a CA listed twice is not an error
  if (have_crl) X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  if (!config.validates()) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return;
  }
  int mode = SSL_VERIFY_PEER;
  if (config.server && config.require_client_certificate) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, mode, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, &SslContext::verifyCertChain, this);
}

void SslContext::applySessions() {
  const TlsContextConfig& config = *inputs_.config;
  SSL_CTX* ctx = ctx_.get();
  if (config.server) {
    // Sessions resume only under the same configuration and trust anchors: a session made
    // before the validation rules changed must not skip the new checks.
    std::string id = absl::StrCat(config.config_hash);
    for (const ValidationMaterial* v : {inputs_.validation.get(), inputs_.validation_sds.get()}) {
      if (v != nullptr) absl::StrAppend(&id, v->digest);
    }
    unsigned char sid[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(id.data()), id.size(), sid);
    SSL_CTX_set_session_id_context(ctx, sid, SSL_MAX_SID_CTX_LENGTH);
    SSL_CTX_set_num_tickets(ctx, 1);
    if (config.disable_tickets) {
      SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    } else if (!config.session_ticket_keys.empty()) {
      installSessionTicketKeys(ctx, &config.session_ticket_keys);
    } else if (inputs_.previous != nullptr && inputs_.previous->config().server) {
      unsigned char keys[80];
      if (SSL_CTX_get_tlsext_ticket_keys(inputs_.previous->sslCtx(), keys, sizeof(keys)) == 1) {
        SSL_CTX_set_tlsext_ticket_keys(ctx, keys, sizeof(keys));
      }
      ERR_clear_error();
    }
    return;
  }
  if (config.max_session_keys == 0) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    return;
  }
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &SslContext::onNewSession);
}

// Replaces OpenSSL's chain verification so that the outcome is counted by kind and the SAN
// matchers run on a chain that verified.
int SslContext::verifyCertChain(X509_STORE_CTX* store_ctx, void* arg) {
  const auto* self = static_cast<const SslContext*>(arg);
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  HandshakeRecord* record = ssl == nullptr ? nullptr : HandshakeRecord::of(ssl);
  X509* leaf = X509_STORE_CTX_get0_cert(store_ctx);
  if (leaf == nullptr) {
    self->stats().fail_verify_no_cert.inc();
    if (record != nullptr) record->verify_failure = "peer did not present a certificate";
    return 0;
  }
  if (X509_verify_cert(store_ctx) != 1) {
    int error = X509_STORE_CTX_get_error(store_ctx);
    self->stats().fail_verify_error.inc();
    if (record != nullptr) {
      record->verify_failure =
          absl::StrCat("certificate verify failed: ", X509_verify_cert_error_string(error));
    }
    return 0;
  }
  if (!matchSubjectAltNames(leaf, self->san_matchers_)) {
    self->stats().fail_verify_san.inc();
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    if (record != nullptr) {
      std::vector<std::string> uris = uriSans(leaf);
      record->verify_failure = absl::StrCat(
          "peer certificate SAN mismatch (URI SAN: ", uris.empty() ? "none" : uris[0], ")");
    }
    return 0;
  }
  return 1;
}

int SslContext::onNewSession(SSL* ssl, SSL_SESSION* session) {
  const SslContext* self = contextOf(ssl);
  HandshakeRecord* record = HandshakeRecord::of(ssl);
  if (self == nullptr || record == nullptr || record->session_key.empty()) return 0;
  self->storeSession(record->session_key, session);
  return 1;  // we keep the reference
}

int SslContext::selectAlpn(SSL*, const unsigned char** out, unsigned char* out_len,
                           const unsigned char* in, unsigned int in_len, void* arg) {
  const auto* self = static_cast<const SslContext*>(arg);
  const std::string& ours = self->config().alpn_wire;
  unsigned char* selected = nullptr;
  // Our preference order wins, as Envoy's server side does.
  if (SSL_select_next_proto(&selected, out_len, reinterpret_cast<const unsigned char*>(ours.data()),
                            static_cast<unsigned>(ours.size()), in,
                            in_len) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

SslSessionPtr SslContext::findSession(std::string_view key) const {
  std::lock_guard<std::mutex> lock(sessions_mu_);
  auto it = sessions_.find(toAbsl(key));
  if (it == sessions_.end()) return nullptr;
  SSL_SESSION_up_ref(it->second.get());
  return SslSessionPtr(it->second.get());
}

void SslContext::storeSession(std::string_view key, SSL_SESSION* session) const {
  // One session per upstream address: the newest ticket replaces the last.
  constexpr size_t kMaxHosts = 4096;
  std::lock_guard<std::mutex> lock(sessions_mu_);
  if (sessions_.size() >= kMaxHosts && !sessions_.contains(toAbsl(key))) sessions_.clear();
  sessions_[std::string(key)] = SslSessionPtr(session);
}

}  // namespace meshproxy::tls
