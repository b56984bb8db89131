#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "proxy/http/header_map.h"
#include "proxy/matcher/string_matcher.h"

namespace meshproxy::matcher {

// One RouteMatch.headers entry (envoy.config.route.v3.HeaderMatcher), with Envoy's semantics:
// - a header that appears several times is matched as its values joined with ",";
// - a missing header matches only `present_match: false` (or, inverted, only
//   `present_match: true`): every other rule, inverted or not, fails, unless
//   treat_missing_header_as_empty, which matches the rule against "" instead;
// - no rule at all means "present".
class HeaderMatcher {
 public:
  // present_match, or no rule (present = true).
  struct Present {
    bool present;
  };
  // The deprecated exact_match with an empty value: any value, including "", matches.
  struct AnyValue {};
  // range_match: the value is a base-10 int64 in [start, end).
  struct Range {
    int64_t start;
    int64_t end;
  };
  // exact/prefix/suffix/contains/safe_regex_match and string_match.
  using Rule = std::variant<Present, AnyValue, Range, StringMatcher>;

  // `lowercase_name` as HeaderMap stores names.
  HeaderMatcher(std::string lowercase_name, Rule rule, bool invert, bool treat_missing_as_empty);

  bool matches(const http::HeaderMap& headers) const;

 private:
  bool matchValue(std::string_view value) const;

  std::string name_;
  Rule rule_;
  bool invert_;
  bool treat_missing_as_empty_;
};

}  // namespace meshproxy::matcher
