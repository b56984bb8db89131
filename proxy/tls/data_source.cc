#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "proxy/tls/tls_context_config.h"

namespace meshproxy::tls {

absl::StatusOr<std::string> readDataSource(const DataSourceSpec& spec) {
  if (!spec.isFile()) return spec.inline_bytes;
  std::ifstream in(spec.filename, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read '", spec.filename, "'"));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
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
