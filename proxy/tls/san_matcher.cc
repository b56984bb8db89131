#include "proxy/tls/san_matcher.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "envoy/extensions/transport_sockets/tls/v3/common.pb.h"
#include "envoy/type/matcher/v3/string.pb.h"
#include "proxy/core/strings.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/matcher/regex.h"
#include "proxy/tls/certificate.h"

namespace meshproxy::tls {
namespace {

using ProtoSanMatcher = envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher;

absl::StatusOr<SanMatcher> build(SanMatcher::Type type,
                                 const envoy::type::matcher::v3::StringMatcher& proto) {
  auto matcher = matcher::translateStringMatcher(proto, matcher::kDefaultMaxRegexProgramSize);
  if (!matcher.ok()) return matcher.status();
  std::optional<std::string> exact;
  if (proto.match_pattern_case() == envoy::type::matcher::v3::StringMatcher::kExact &&
      !proto.ignore_case()) {
    exact = proto.exact();
  }
  return SanMatcher(type, std::move(*matcher), std::move(exact));
}

std::string_view typeName(SanMatcher::Type type) {
  switch (type) {
    case SanMatcher::Type::kDns:
      return "dns";
    case SanMatcher::Type::kUri:
      return "uri";
    case SanMatcher::Type::kEmail:
      return "email";
    case SanMatcher::Type::kIpAddress:
      return "ip_address";
    case SanMatcher::Type::kAny:
      return "";
  }
  return "";
}

}  // namespace

SanMatcher::SanMatcher(Type type, matcher::StringMatcher matcher, std::optional<std::string> exact)
    : type_(type), matcher_(std::move(matcher)), exact_(std::move(exact)) {}

absl::StatusOr<SanMatcher> SanMatcher::fromProto(const ProtoSanMatcher& proto) {
  Type type;
  switch (proto.san_type()) {
    case ProtoSanMatcher::DNS:
      type = Type::kDns;
      break;
    case ProtoSanMatcher::URI:
      type = Type::kUri;
      break;
    case ProtoSanMatcher::EMAIL:
      type = Type::kEmail;
      break;
    case ProtoSanMatcher::IP_ADDRESS:
      type = Type::kIpAddress;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported: san_type ", ProtoSanMatcher::SanType_Name(proto.san_type())));
  }
  if (!proto.has_matcher()) return absl::InvalidArgumentError("san matcher needs a matcher");
  return build(type, proto.matcher());
}

absl::StatusOr<SanMatcher> SanMatcher::fromLegacyProto(
    const envoy::type::matcher::v3::StringMatcher& proto) {
  return build(Type::kAny, proto);
}

bool SanMatcher::matches(std::string_view type, std::string_view value) const {
  if (type_ != Type::kAny && typeName(type_) != type) return false;
  if (type == "dns" && exact_.has_value() && absl::StartsWith(toAbsl(value), "*.")) {
    return dnsNameMatches(value, *exact_);
  }
  return matcher_.match(value);
}

bool dnsNameMatches(std::string_view san, std::string_view name) {
  if (absl::EqualsIgnoreCase(toAbsl(san), toAbsl(name))) return true;
  if (!absl::StartsWith(toAbsl(san), "*.")) return false;
  size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  return absl::EqualsIgnoreCase(toAbsl(san.substr(1)), toAbsl(name.substr(dot)));
}

bool matchSubjectAltNames(X509* cert, const std::vector<const SanMatcher*>& matchers) {
  if (matchers.empty()) return true;
  bool matched = false;
  forEachSubjectAltName(cert, [&](std::string_view type, std::string_view value) {
    for (const SanMatcher* m : matchers) {
      if (m->matches(type, value)) {
        matched = true;
        break;
      }
    }
    return !matched;
  });
  return matched;
}

}  // namespace meshproxy::tls
