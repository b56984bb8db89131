#pragma once

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "proxy/matcher/header_matcher.h"
#include "proxy/matcher/query_parameter_matcher.h"
#include "proxy/matcher/string_matcher.h"

namespace envoy::config::route::v3 {
class HeaderMatcher;
class QueryParameterMatcher;
}  // namespace envoy::config::route::v3
namespace envoy::type::matcher::v3 {
class RegexMatcher;
class StringMatcher;
}  // namespace envoy::type::matcher::v3
namespace re2 {
class RE2;
}

// Config time: envoy.type.matcher and route matcher protos, translated. Errors name the
// field relative to the message given ("safe_regex: invalid regex ..."); callers add where that message is.
namespace meshproxy::matcher {

absl::StatusOr<std::unique_ptr<const re2::RE2>> translateRegex(
    const envoy::type::matcher::v3::RegexMatcher& proto, uint32_t max_program_size);

absl::StatusOr<StringMatcher> translateStringMatcher(
    const envoy::type::matcher::v3::StringMatcher& proto, uint32_t max_program_size);

absl::StatusOr<HeaderMatcher> translateHeaderMatcher(
    const envoy::config::route::v3::HeaderMatcher& proto, uint32_t max_program_size);

absl::StatusOr<QueryParameterMatcher> translateQueryParameterMatcher(
    const envoy::config::route::v3::QueryParameterMatcher& proto, uint32_t max_program_size);

}  // namespace meshproxy::matcher
