#include "proxy/tls/secret_manager.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "envoy/extensions/transport_sockets/tls/v3/secret.pb.h"
#include "proxy/protobuf/config_source.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/core/json.h"
#include "proxy/core/log.h"
#include "proxy/stats/store.h"
#include "proxy/tls/tls_context_translator.h"

namespace meshproxy::tls {
namespace {

constexpr auto kFileCheckInterval = std::chrono::seconds(1);

int64_t daysUntil(std::chrono::system_clock::time_point t,
                  std::chrono::system_clock::time_point now) {
  auto days = std::chrono::duration_cast<std::chrono::hours>(t - now).count() / 24;
  return std::max<int64_t>(days, 0);
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromChrono(t), absl::UTCTimeZone());
}

void appendCertificate(std::string& out, const CertificateInfo& info,
                       std::chrono::system_clock::time_point now) {
  // SDS secrets have no path; Envoy shows "<inline>" for them, we add the secret's name.
  std::string_view source = info.source;
  std::string secret_name;
  if (source.starts_with("sds:")) {
    secret_name = std::string(source.substr(4));
    source = "<inline>";
  }
  absl::StrAppend(&out, "{\"path\":", jsonString(source));
  if (!secret_name.empty()) absl::StrAppend(&out, ",\"secret_name\":", jsonString(secret_name));
  absl::StrAppend(&out, ",\"serial_number\":", jsonString(info.serial_number),
                  ",\"subject_alt_names\":[");
  for (size_t i = 0; i < info.subject_alt_names.size(); ++i) {
    const auto& [type, value] = info.subject_alt_names[i];
    absl::StrAppend(&out, i ? "," : "", "{", jsonString(type), ":", jsonString(value), "}");
  }
  // A string, as Envoy's JSON has it (a uint64 in the proto).
  absl::StrAppend(&out, "],\"days_until_expiration\":\"", daysUntil(info.expiration_time, now),
                  "\",\"valid_from\":", jsonString(rfc3339(info.valid_from)),
                  ",\"expiration_time\":", jsonString(rfc3339(info.expiration_time)), "}");
}

}  // namespace

SecretManager::SecretManager(uv_loop_t* loop, stats::Store* stats) {
  if (stats != nullptr) {
    days_until_expiring_ =
        &stats->rootScope().scope("server").gauge("days_until_first_cert_expiring");
  }
  updateExpiryGauge();
  if (loop != nullptr) {
    file_timer_ = std::make_unique<Timer>(loop, [this] {
      checkFiles();
      updateExpiryGauge();
    });
    file_timer_->enableRepeating(kFileCheckInterval);
  }
}

SecretManager::~SecretManager() = default;

absl::StatusOr<SecretManager::Entry> SecretManager::parse(const Secret& secret) {
  std::string where = absl::StrCat("secret '", secret.name(), "'");
  if (secret.name().empty()) return absl::InvalidArgumentError("secret without a name");
  if (auto s = tlsSupportedFields().check(secret); !s.ok()) return protobuf::withContext(s, where);
  Entry entry;
  std::string source = absl::StrCat("sds:", secret.name());
  if (secret.has_tls_certificate()) {
    auto spec = translateTlsCertificate(secret.tls_certificate());
    if (!spec.ok()) return protobuf::withContext(spec.status(), where + " tls_certificate");
    auto material = CertificateMaterial::load(*spec, source);
    if (!material.ok()) return protobuf::withContext(material.status(), where + " tls_certificate");
    entry.certificate = *material;
  } else if (secret.has_validation_context()) {
    auto spec = translateValidationContext(secret.validation_context());
    if (!spec.ok()) return protobuf::withContext(spec.status(), where + " validation_context");
    if (!spec->trusted_ca.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " validation_context: trusted_ca is required"));
    }
    std::vector<SanMatcher> matchers = std::move(spec->san_matchers);
    std::string identity;
    secret.validation_context().SerializeToString(&identity);
    auto material = ValidationMaterial::load(*spec, std::move(matchers), source, identity);
    if (!material.ok())
      return protobuf::withContext(material.status(), where + " validation_context");
    entry.validation = *material;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unsupported: only tls_certificate and validation_context secrets"));
  }
  return entry;
}

absl::Status SecretManager::validateSecret(const Secret& secret) { return parse(secret).status(); }

absl::Status SecretManager::setSecret(const Secret& secret) { return setSecrets({secret}); }

absl::Status SecretManager::addStaticSecrets(const std::vector<Secret>& secrets) {
  std::set<std::string> names;
  for (size_t i = 0; i < secrets.size(); ++i) {
    const std::string where =
        absl::StrCat("static_resources.secrets[", i, "] '", secrets[i].name(), "'");
    if (secrets[i].name().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": name is required"));
    }
    if (!names.insert(secrets[i].name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate name"));
    }
    if (auto s = validateSecret(secrets[i]); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", s.message()));
    }
  }
  if (auto s = setSecrets(secrets); !s.ok()) return s;
  static_names_.insert(names.begin(), names.end());
  return absl::OkStatus();
}

absl::Status SecretManager::setSecrets(const std::vector<Secret>& secrets) {
  std::vector<std::pair<std::string, Entry>> parsed;
  for (const auto& secret : secrets) {
    auto entry = parse(secret);
    if (!entry.ok()) return entry.status();
    parsed.emplace_back(secret.name(), std::move(*entry));
  }
  std::set<std::string> changed;
  for (auto& [name, entry] : parsed) {
    secrets_[name] = std::move(entry);
    changed.insert(name);
  }
  for (const auto& provider : liveProviders()) {
    bool affected = std::any_of(changed.begin(), changed.end(),
                                [&](const std::string& n) { return provider->usesSecret(n); });
    if (!affected) continue;
    // The secret is valid on its own; a context that still cannot be built from it keeps its
    // previous certificates, and says why.
    if (auto s = provider->rebuild(this); !s.ok()) {
      log::error("TLS context of {}: cannot apply new secrets: {}", provider->config().owner,
                 s.message());
    }
  }
  for (const auto& name : changed) log::info("SDS secret '{}' updated", name);
  updateExpiryGauge();
  return absl::OkStatus();
}

bool SecretManager::hasSecret(std::string_view name) const { return secrets_.contains(name); }

std::shared_ptr<const CertificateMaterial> SecretManager::certificate(std::string_view name) const {
  auto it = secrets_.find(name);
  return it == secrets_.end() ? nullptr : it->second.certificate;
}

std::shared_ptr<const ValidationMaterial> SecretManager::validationContext(
    std::string_view name) const {
  auto it = secrets_.find(name);
  return it == secrets_.end() ? nullptr : it->second.validation;
}

std::vector<std::string> SecretManager::referencedSecrets() const {
  std::set<std::string> names;
  for (const auto& provider : liveProviders()) {
    for (auto& n : provider->config().secretNames()) names.insert(std::move(n));
  }
  return {names.begin(), names.end()};
}

std::chrono::milliseconds SecretManager::initialFetchTimeout(std::string_view name) const {
  std::optional<std::chrono::milliseconds> timeout;
  for (const auto& provider : liveProviders()) {
    if (!provider->usesSecret(name)) continue;
    auto t = provider->config().sds_initial_fetch_timeout;
    // 0s is "no timeout" (Envoy): the shortest real deadline among the users wins.
    if (t.count() == 0) t = std::chrono::milliseconds::max();
    timeout = timeout.has_value() ? std::min(*timeout, t) : t;
  }
  return timeout.value_or(std::chrono::milliseconds(15000));
}

const envoy::config::core::v3::ConfigSource* SecretManager::sdsSource(std::string_view name) const {
  for (const auto& provider : liveProviders()) {
    const auto& sources = provider->config().sds_sources;
    if (auto it = sources.find(std::string(name)); it != sources.end()) return &it->second;
  }
  return nullptr;
}

absl::Status SecretManager::checkSdsSources(const TlsContextConfig& config) const {
  for (const auto& name : config.secretNames()) {
    auto it = config.sds_sources.find(name);
    const envoy::config::core::v3::ConfigSource* source =
        it == config.sds_sources.end() ? nullptr : &it->second;
    // A static_resources secret named without an sds_config source comes from no source.
    if (source == nullptr && isStatic(name)) continue;
    for (const auto& provider : liveProviders()) {
      if (!provider->usesSecret(name)) continue;
      const auto& other = provider->config().sds_sources;
      auto o = other.find(name);
      std::string mine = source == nullptr ? "" : protobuf::configSourceKey(*source);
      std::string theirs = o == other.end() ? "" : protobuf::configSourceKey(o->second);
      if (mine != theirs) {
        return absl::InvalidArgumentError(absl::StrCat(
            "SDS secret '", name, "' comes from another sds_config in ", provider->config().owner,
            " (secrets are kept by name: give this one another name)"));
      }
    }
    if (validator_) {
      if (auto s = validator_(source); !s.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("SDS secret '", name, "' sds_config: ", s.message()));
      }
    }
  }
  return absl::OkStatus();
}

void SecretManager::registerProvider(const std::shared_ptr<TlsContextProvider>& provider) {
  providers_.push_back(provider);
  updateExpiryGauge();
}

std::vector<std::shared_ptr<TlsContextProvider>> SecretManager::liveProviders() const {
  std::vector<std::shared_ptr<TlsContextProvider>> live;
  std::erase_if(providers_, [&live](const std::weak_ptr<TlsContextProvider>& weak) {
    auto p = weak.lock();
    if (p == nullptr) return true;
    live.push_back(std::move(p));
    return false;
  });
  return live;
}

void SecretManager::checkFiles() {
  for (const auto& provider : liveProviders()) {
    if (!provider->filesChanged()) continue;
    if (auto s = provider->rebuild(this); !s.ok()) {
      log::error(
          "TLS context of {}: reloading certificate files failed, keeping the previous "
          "ones: {}",
          provider->config().owner, s.message());
    } else {
      log::info("TLS context of {}: certificate files reloaded", provider->config().owner);
    }
  }
}

int64_t SecretManager::daysUntilFirstCertExpiring() const {
  auto now = std::chrono::system_clock::now();
  // Envoy's value when nothing is loaded.
  int64_t days = std::numeric_limits<uint32_t>::max();
  for (const auto& provider : liveProviders()) {
    auto context = provider->current();
    if (context == nullptr) continue;
    for (const auto* list : {&context->certificateChainInfo(), &context->caCertificateInfo()}) {
      for (const auto& info : *list) days = std::min(days, daysUntil(info.expiration_time, now));
    }
  }
  return days;
}

void SecretManager::updateExpiryGauge() {
  if (days_until_expiring_ != nullptr) days_until_expiring_->set(daysUntilFirstCertExpiring());
}

std::string SecretManager::certsJson() const {
  auto now = std::chrono::system_clock::now();
  std::string out = "{\"certificates\":[";
  bool first = true;
  for (const auto& provider : liveProviders()) {
    auto context = provider->current();
    if (context == nullptr) continue;
    absl::StrAppend(&out, first ? "" : ",", "{\"owner\":", jsonString(provider->config().owner),
                    ",\"ca_cert\":[");
    first = false;
    const auto& cas = context->caCertificateInfo();
    for (size_t i = 0; i < cas.size(); ++i) {
      if (i > 0) out += ",";
      appendCertificate(out, cas[i], now);
    }
    out += "],\"cert_chain\":[";
    const auto& chain = context->certificateChainInfo();
    for (size_t i = 0; i < chain.size(); ++i) {
      if (i > 0) out += ",";
      appendCertificate(out, chain[i], now);
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace meshproxy::tls
