#pragma once

#include <openssl/x509.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/matcher/string_matcher.h"

namespace envoy::extensions::transport_sockets::tls::v3 {
class SubjectAltNameMatcher;
}
namespace envoy::type::matcher::v3 {
class StringMatcher;
}

namespace meshproxy::tls {

// One entry of match_typed_subject_alt_names: a SAN type and a StringMatcher. A certificate
// matches when any of its SANs of that type matches (a SPIFFE ID is a URI SAN).
class SanMatcher {
 public:
  // kAny: the legacy match_subject_alt_names, which tries every SAN type.
  enum class Type { kDns, kUri, kEmail, kIpAddress, kAny };

  SanMatcher(Type type, matcher::StringMatcher matcher, std::optional<std::string> exact);

  static absl::StatusOr<SanMatcher> fromProto(
      const envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher& proto);
  static absl::StatusOr<SanMatcher> fromLegacyProto(
      const envoy::type::matcher::v3::StringMatcher& proto);

  // `type` is the SAN's type ("uri", "dns", "email", "ip_address").
  bool matches(std::string_view type, std::string_view value) const;
  Type type() const { return type_; }

 private:
  Type type_;
  matcher::StringMatcher matcher_;
  // An exact pattern, kept to match wildcard DNS SANs ("*.example.com") as Envoy does.
  std::optional<std::string> exact_;
};

// True when `matchers` is empty or one of them matches one of the certificate's SANs.
bool matchSubjectAltNames(X509* cert, const std::vector<const SanMatcher*>& matchers);

// RFC 6125 wildcard match of a DNS SAN ("*.example.com") against a name: the wildcard
// covers exactly one leftmost label.
bool dnsNameMatches(std::string_view san, std::string_view name);

}  // namespace meshproxy::tls
