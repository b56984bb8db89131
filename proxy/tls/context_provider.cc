#include "proxy/tls/context_provider.h"

#include <sys/stat.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "proxy/tls/secret_manager.h"

namespace meshproxy::tls {

TlsContextProvider::TlsContextProvider(std::shared_ptr<const TlsContextConfig> config,
                                       std::shared_ptr<const SslStats> stats)
    : config_(std::move(config)), stats_(std::move(stats)) {}

std::shared_ptr<const SslContext> TlsContextProvider::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

bool TlsContextProvider::FileStamp::operator==(const FileStamp& o) const {
  return path == o.path && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
         size == o.size && inode == o.inode;
}

TlsContextProvider::FileStamp TlsContextProvider::stamp(const std::string& path) {
  FileStamp s;
  s.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    s.mtime = st.st_mtim;
    s.size = st.st_size;
    s.inode = st.st_ino;
  }
  return s;
}

bool TlsContextProvider::filesChanged() const {
  return std::any_of(stamps_.begin(), stamps_.end(),
                     [](const FileStamp& s) { return !(stamp(s.path) == s); });
}

bool TlsContextProvider::usesSecret(std::string_view name) const {
  return config_->certificate_sds == name || config_->validation_sds == name;
}

std::string TlsContextProvider::missingSecrets(const SecretManager* secrets) const {
  std::string missing;
  for (const auto& name : config_->secretNames()) {
    if (secrets == nullptr || !secrets->hasSecret(name)) {
      absl::StrAppend(&missing, missing.empty() ? "" : ", ", "'", name, "'");
    }
  }
  return missing;
}

absl::Status TlsContextProvider::rebuild(const SecretManager* secrets) {
  const TlsContextConfig& config = *config_;
  // Stamps first: a file rewritten while we read it is read again at the next check.
  std::vector<FileStamp> stamps;
  for (const auto& path : config.files()) stamps.push_back(stamp(path));
  stamps_ = std::move(stamps);

  SslContext::Inputs inputs;
  inputs.config = config_;
  inputs.stats = stats_;
  if (!missingSecrets(secrets).empty()) return absl::OkStatus();  // warming
  if (config.certificate.has_value()) {
    auto cert = CertificateMaterial::load(*config.certificate,
                                          config.certificate->certificate_chain.label());
    if (!cert.ok()) return cert.status();
    inputs.certificate = *cert;
  } else if (!config.certificate_sds.empty()) {
    inputs.certificate = secrets->certificate(config.certificate_sds);
    if (inputs.certificate == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("SDS secret '", config.certificate_sds, "' is not a tls_certificate"));
    }
  }
  if (config.validation.has_value()) {
    auto validation = ValidationMaterial::load(
        *config.validation, {},
        config.validation->trusted_ca.has_value() ? config.validation->trusted_ca->label() : "");
    if (!validation.ok()) return validation.status();
    inputs.validation = *validation;
  }
  if (!config.validation_sds.empty()) {
    inputs.validation_sds = secrets->validationContext(config.validation_sds);
    if (inputs.validation_sds == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("SDS secret '", config.validation_sds, "' is not a validation_context"));
    }
  }
  if (config.validates()) {
    size_t cas = 0;
    for (const auto* v : {inputs.validation.get(), inputs.validation_sds.get()}) {
      if (v != nullptr) cas += v->trusted_ca.size();
    }
    // Matching SANs of a certificate nobody vouches for would be no check at all.
    if (cas == 0) return absl::InvalidArgumentError("validation context without trusted_ca");
  }
  std::shared_ptr<const SslContext> previous = current();
  inputs.previous = previous.get();
  auto context = SslContext::create(std::move(inputs));
  if (!context.ok()) return context.status();
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(*context);
  return absl::OkStatus();
}

}  // namespace meshproxy::tls
