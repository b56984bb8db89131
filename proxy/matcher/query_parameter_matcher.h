#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "proxy/matcher/string_matcher.h"

namespace meshproxy::matcher {

// One RouteMatch.query_parameters entry, as Envoy evaluates it: the query string is split on
// '&' and each "key=value" on its first '=' ("key" alone has the value ""), with no
// percent-decoding; only the first parameter named `name` counts.
class QueryParameterMatcher {
 public:
  // present_match: matches when the parameter's presence equals `present`.
  static QueryParameterMatcher presence(std::string name, bool present);
  // string_match on the value; a missing parameter never matches.
  static QueryParameterMatcher value(std::string name, StringMatcher matcher);

  // `query` is what follows the first '?' of :path (fragment included, as in Envoy).
  bool matches(std::string_view query) const;

 private:
  QueryParameterMatcher(std::string name, std::optional<bool> present,
                        std::optional<StringMatcher> matcher);

  std::string name_;
  std::optional<bool> present_;
  std::optional<StringMatcher> matcher_;
};

}  // namespace meshproxy::matcher
