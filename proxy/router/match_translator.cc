#include "proxy/router/match_translator.h"

#include <fmt/format.h>
#include <re2/re2.h>

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/type/matcher/v3/regex.pb.h"
#include "envoy/type/matcher/v3/string.pb.h"
#include "proxy/router/regex.h"
#include "proxy/router/translation_util.h"

// HeaderMatcher's exact/prefix/suffix/contains/safe_regex_match are deprecated in favour of
// string_match but still sent by control planes, so they are read on purpose.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace meshproxy::router {
namespace {

using ProtoRouteMatch = envoy::config::route::v3::RouteMatch;
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
      if (!regex.ok()) return withContext(regex.status(), "safe_regex");
      return StringMatcher(std::move(*regex));
    }
    default:
      return absl::InvalidArgumentError("string matcher without a match pattern");
  }
}

absl::StatusOr<HeaderMatcher> translateHeaderMatcher(const ProtoHeaderMatcher& proto,
                                                     uint32_t max_program_size) {
  if (!isValidHeaderName(proto.name())) {
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
      if (!regex.ok()) return withContext(regex.status(), "safe_regex_match");
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
      if (!matcher.ok()) return withContext(matcher.status(), "string_match");
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
    if (!matcher.ok()) return withContext(matcher.status(), "string_match");
    return QueryParameterMatcher::value(proto.name(), std::move(*matcher));
  }
  // present_match, or nothing: Envoy treats no rule as "present".
  return QueryParameterMatcher::presence(proto.name(),
                                         proto.has_present_match() ? proto.present_match() : true);
}

absl::StatusOr<RouteMatch> translateRouteMatch(const ProtoRouteMatch& proto,
                                               uint32_t max_program_size) {
  const bool case_sensitive = !proto.has_case_sensitive() || proto.case_sensitive().value();
  std::optional<PathMatcher> path;
  switch (proto.path_specifier_case()) {
    case ProtoRouteMatch::kPrefix:
      path.emplace(PathMatcher::Kind::kPrefix, proto.prefix(), case_sensitive);
      break;
    case ProtoRouteMatch::kPath:
      path.emplace(PathMatcher::Kind::kExact, proto.path(), case_sensitive);
      break;
    case ProtoRouteMatch::kSafeRegex: {
      auto regex = translateRegex(proto.safe_regex(), max_program_size);
      if (!regex.ok()) return withContext(regex.status(), "match.safe_regex");
      path.emplace(std::move(*regex));
      break;
    }
    case ProtoRouteMatch::kPathSeparatedPrefix: {
      // The proto's rule ^[^?#]+[^?#/]$: no query or fragment, no trailing '/'.
      static const re2::RE2 kValid("^[^?#]+[^?#/]$");
      if (!re2::RE2::FullMatch(proto.path_separated_prefix(), kValid)) {
        return absl::InvalidArgumentError(fmt::format(
            "match.path_separated_prefix '{}' must be non-empty, without '?' or '#', and not "
            "end in '/'",
            proto.path_separated_prefix()));
      }
      path.emplace(PathMatcher::Kind::kSeparatedPrefix, proto.path_separated_prefix(),
                   case_sensitive);
      break;
    }
    default:
      return absl::InvalidArgumentError(
          "match needs one of prefix, path, safe_regex or path_separated_prefix");
  }

  std::vector<HeaderMatcher> headers;
  for (int i = 0; i < proto.headers_size(); ++i) {
    auto matcher = translateHeaderMatcher(proto.headers(i), max_program_size);
    if (!matcher.ok()) return withContext(matcher.status(), fmt::format("match.headers[{}]", i));
    headers.push_back(std::move(*matcher));
  }
  std::vector<QueryParameterMatcher> query_parameters;
  for (int i = 0; i < proto.query_parameters_size(); ++i) {
    auto matcher = translateQueryParameterMatcher(proto.query_parameters(i), max_program_size);
    if (!matcher.ok()) {
      return withContext(matcher.status(), fmt::format("match.query_parameters[{}]", i));
    }
    query_parameters.push_back(std::move(*matcher));
  }
  return RouteMatch(std::move(*path), std::move(headers), std::move(query_parameters));
}

}  // namespace meshproxy::router
