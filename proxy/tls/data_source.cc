#include "absl/strings/str_cat.h"
#include "proxy/core/bounded_file.h"
#include "proxy/tls/tls_context_config.h"

namespace meshproxy::tls {

absl::StatusOr<std::string> readDataSource(const DataSourceSpec& spec) {
  if (!spec.isFile()) return spec.inline_bytes;
  // Certificates and keys are a few KiB; the cap only stops a wrong path (/dev/zero, a disk
  // image) from being read forever on the main thread.
  return readFileBounded(spec.filename, kMaxConfigFileBytes, "data source file");
}

std::vector<std::string> TlsContextConfig::files() const {
  std::vector<std::string> out;
  auto add = [&out](const DataSourceSpec& s) {
    if (s.isFile()) out.push_back(s.filename);
  };
  if (certificate.has_value()) {
    add(certificate->certificate_chain);
    add(certificate->private_key);
  }
  if (validation.has_value()) {
    if (validation->trusted_ca.has_value()) add(*validation->trusted_ca);
    if (validation->crl.has_value()) add(*validation->crl);
  }
  return out;
}

}  // namespace meshproxy::tls
