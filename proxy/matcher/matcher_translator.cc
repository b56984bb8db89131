#include "proxy/matcher/matcher_translator.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/type/matcher/v3/regex.pb.h"
#include "envoy/type/matcher/v3/string.pb.h"
#include "proxy/matcher/regex.h"
#include "proxy/core/ascii_case.h"
#include "proxy/http/header_validation.h"
#include "proxy/protobuf/proto_util.h"

// HeaderMatcher's exact/prefix/suffix/contains/safe_regex_match are deprecated in favour of
// string_match but still sent by control planes, so they are read on purpose.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace meshproxy::matcher {
namespace {

using ProtoHeaderMatcher = envoy::config::route::v3::HeaderMatcher;
using ProtoStringMatcher = envoy::type::matcher::v3::StringMatcher;

absl::Status nonEmpty(const std::string& value, std::string_view field) {
  if (!value.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(fmt::format("{} must not be empty", field));
}

absl::StatusOr<StringMatcher> literal(StringMatcher::Kind kind, const std::string& pattern,
                                      bool ignore_case, std::string_view field) {
  if (kind != StringMatcher::Kind::kExact) {
    if (auto s = nonEmpty(pattern, field); !s.ok()) return s;
  }
  return StringMatcher(kind, pattern, ignore_case);
}

}  // namespace

absl::StatusOr<std::unique_ptr<const re2::RE2>> translateRegex(
    const envoy::type::matcher::v3::RegexMatcher& proto, uint32_t max_program_size) {
  if (proto.regex().empty()) return absl::InvalidArgumentError("regex must not be empty");
  return compileRegex(proto.regex(), max_program_size);
}

absl::StatusOr<StringMatcher> translateStringMatcher(const ProtoStringMatcher& proto,
                                                     uint32_t max_program_size) {
  const bool ignore_case = proto.ignore_case();
  switch (proto.match_pattern_case()) {
    case ProtoStringMatcher::kExact:
      return literal(StringMatcher::Kind::kExact, proto.exact(), ignore_case, "exact");
    case ProtoStringMatcher::kPrefix:
      return literal(StringMatcher::Kind::kPrefix, proto.prefix(), ignore_case, "prefix");
    case ProtoStringMatcher::kSuffix:
      return literal(StringMatcher::Kind::kSuffix, proto.suffix(), ignore_case, "suffix");
    case ProtoStringMatcher::kContains:
      return literal(StringMatcher::Kind::kContains, proto.contains(), ignore_case, "contains");
    case ProtoStringMatcher::kSafeRegex: {
      // Envoy refuses this combination rather than silently ignoring ignore_case.
      if (ignore_case) {
        return absl::InvalidArgumentError("ignore_case has no effect for safe_regex");
      }
      auto regex = translateRegex(proto.safe_regex(), max_program_size);
      if (!regex.ok()) return protobuf::withContext(regex.status(), "safe_regex");
      return StringMatcher(std::move(*regex));
    }
    default:
      return absl::InvalidArgumentError("string matcher without a match pattern");
  }
}

absl::StatusOr<HeaderMatcher> translateHeaderMatcher(const ProtoHeaderMatcher& proto,
                                                     uint32_t max_program_size) {
  if (!http::isValidHeaderName(proto.name())) {
    return absl::InvalidArgumentError(fmt::format("invalid header name '{}'", proto.name()));
  }
  HeaderMatcher::Rule rule = HeaderMatcher::Present{true};
  using Kind = StringMatcher::Kind;
  auto take = [&rule](absl::StatusOr<StringMatcher> matcher) -> absl::Status {
    if (!matcher.ok()) return matcher.status();
    rule = std::move(*matcher);
    return absl::OkStatus();
  };
  absl::Status status;
  switch (proto.header_match_specifier_case()) {
    case ProtoHeaderMatcher::kExactMatch:
      // Envoy: an empty exact_match matches any value.
      if (proto.exact_match().empty()) {
        rule = HeaderMatcher::AnyValue{};
      } else {
        rule = StringMatcher(Kind::kExact, proto.exact_match(), false);
      }
      break;
    case ProtoHeaderMatcher::kSafeRegexMatch: {
      auto regex = translateRegex(proto.safe_regex_match(), max_program_size);
      if (!regex.ok()) return protobuf::withContext(regex.status(), "safe_regex_match");
      rule = StringMatcher(std::move(*regex));
      break;
    }
    case ProtoHeaderMatcher::kRangeMatch:
      rule = HeaderMatcher::Range{proto.range_match().start(), proto.range_match().end()};
      break;
    case ProtoHeaderMatcher::kPresentMatch:
      rule = HeaderMatcher::Present{proto.present_match()};
      break;
    case ProtoHeaderMatcher::kPrefixMatch:
      status = take(literal(Kind::kPrefix, proto.prefix_match(), false, "prefix_match"));
      break;
    case ProtoHeaderMatcher::kSuffixMatch:
      status = take(literal(Kind::kSuffix, proto.suffix_match(), false, "suffix_match"));
      break;
    case ProtoHeaderMatcher::kContainsMatch:
      status = take(literal(Kind::kContains, proto.contains_match(), false, "contains_match"));
      break;
    case ProtoHeaderMatcher::kStringMatch: {
      auto matcher = translateStringMatcher(proto.string_match(), max_program_size);
      if (!matcher.ok()) return protobuf::withContext(matcher.status(), "string_match");
      rule = std::move(*matcher);
      break;
    }
    default:
      break;  // no rule: the header must be present
  }
  if (!status.ok()) return status;
  return HeaderMatcher(toLowerCopy(proto.name()), std::move(rule), proto.invert_match(),
                       proto.treat_missing_header_as_empty());
}

absl::StatusOr<QueryParameterMatcher> translateQueryParameterMatcher(
    const envoy::config::route::v3::QueryParameterMatcher& proto, uint32_t max_program_size) {
  if (proto.name().empty() || proto.name().size() > 1024) {
    return absl::InvalidArgumentError("query parameter name must be 1 to 1024 bytes");
  }
  if (proto.has_string_match()) {
    auto matcher = translateStringMatcher(proto.string_match(), max_program_size);
    if (!matcher.ok()) return protobuf::withContext(matcher.status(), "string_match");
    return QueryParameterMatcher::value(proto.name(), std::move(*matcher));
  }
  // present_match, or nothing: Envoy treats no rule as "present".
  return QueryParameterMatcher::presence(proto.name(),
                                         proto.has_present_match() ? proto.present_match() : true);
}

}  // namespace meshproxy::matcher
