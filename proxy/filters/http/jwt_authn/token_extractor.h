#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "proxy/filters/http/jwt_authn/jwt_provider.h"

namespace meshproxy::http {
class HeaderMap;
}

namespace meshproxy::filters::jwt_authn {

// Where a token was found; which issuers configured that place.
struct TokenLocation {
  enum class Kind : uint8_t { kHeader, kParam, kCookie };
  Kind kind = Kind::kHeader;
  std::string name;                          // header (lower-case), query parameter or cookie name
  std::string value_prefix;                  // headers only
  absl::flat_hash_set<std::string> issuers;  // "" allows any issuer (a provider without one)

  bool allowsIssuer(const std::string& iss) const {
    return issuers.contains("") || issuers.contains(iss);
  }
};

struct ExtractedToken {
  std::string token;
  const TokenLocation* location = nullptr;  // owned by the extractor
};

// The token locations of a set of providers, merged as Envoy merges them (one location per
// header + prefix, query parameter or cookie, remembering the issuers that asked for it).
// Built once at config time; extract() reads a request.
class TokenExtractor {
 public:
  explicit TokenExtractor(const std::vector<const JwtProviderConfig*>& providers);

  // Every token present, header locations first (each value of a repeated header), then query
  // parameters (percent-decoded, first occurrence), then cookies. With a value_prefix, the token
  // starts at the first base64url character after the prefix (found anywhere in the value).
  std::vector<ExtractedToken> extract(const http::HeaderMap& headers) const;

  // Removes the token's header (a verified token of a provider with forward: false). Like
  // Envoy, a token in a query parameter or a cookie stays.
  static void removeToken(http::HeaderMap& headers, const ExtractedToken& token);

  // Removes forward_payload_header and claim_to_headers headers a client may have sent, before
  // verification adds the real ones.
  void sanitizeHeaders(http::HeaderMap& headers) const;

 private:
  std::map<std::string, TokenLocation> headers_;  // key: name + prefix; ordered: deterministic
  std::map<std::string, TokenLocation> params_;
  std::map<std::string, TokenLocation> cookies_;
  std::vector<std::string> headers_to_sanitize_;
};

}  // namespace meshproxy::filters::jwt_authn
