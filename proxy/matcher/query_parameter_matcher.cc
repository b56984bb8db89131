#include "proxy/matcher/query_parameter_matcher.h"

namespace meshproxy::matcher {
namespace {

// The value of the first parameter called `name`, or nullopt.
std::optional<std::string_view> firstValue(std::string_view query, std::string_view name) {
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view param = query.substr(start, end - start);
    size_t eq = param.find('=');
    std::string_view key = eq == std::string_view::npos ? param : param.substr(0, eq);
    if (key == name) {
      return eq == std::string_view::npos ? std::string_view() : param.substr(eq + 1);
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace

QueryParameterMatcher::QueryParameterMatcher(std::string name, std::optional<bool> present,
                                             std::optional<StringMatcher> matcher)
    : name_(std::move(name)), present_(present), matcher_(std::move(matcher)) {}

QueryParameterMatcher QueryParameterMatcher::presence(std::string name, bool present) {
  return QueryParameterMatcher(std::move(name), present, std::nullopt);
}

QueryParameterMatcher QueryParameterMatcher::value(std::string name, StringMatcher matcher) {
  return QueryParameterMatcher(std::move(name), std::nullopt, std::move(matcher));
}

bool QueryParameterMatcher::matches(std::string_view query) const {
  std::optional<std::string_view> value = firstValue(query, name_);
  if (present_) return value.has_value() == *present_;
  return value.has_value() && matcher_->match(*value);
}

}  // namespace meshproxy::matcher
