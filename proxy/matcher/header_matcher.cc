#include "proxy/matcher/header_matcher.h"

#include "absl/strings/numbers.h"
#include "proxy/core/strings.h"

namespace meshproxy::matcher {

HeaderMatcher::HeaderMatcher(std::string lowercase_name, Rule rule, bool invert,
                             bool treat_missing_as_empty)
    : name_(std::move(lowercase_name)),
      rule_(std::move(rule)),
      invert_(invert),
      treat_missing_as_empty_(treat_missing_as_empty) {}

bool HeaderMatcher::matches(const http::HeaderMap& headers) const {
  std::optional<std::string_view> value = headers.get(name_);
  if (!value && !treat_missing_as_empty_) {
    const Present* present = std::get_if<Present>(&rule_);
    return present != nullptr && present->present == invert_;
  }
  if (!value) return matchValue("") != invert_;
  // Only a repeated header costs an allocation: Envoy matches the comma-joined values.
  if (headers.count(name_) > 1) return matchValue(*headers.getJoined(name_)) != invert_;
  return matchValue(*value) != invert_;
}

bool HeaderMatcher::matchValue(std::string_view value) const {
  if (const auto* present = std::get_if<Present>(&rule_)) return present->present;
  if (std::holds_alternative<AnyValue>(rule_)) return true;
  if (const auto* range = std::get_if<Range>(&rule_)) {
    int64_t n = 0;
    return absl::SimpleAtoi(toAbsl(value), &n) && n >= range->start && n < range->end;
  }
  return std::get<StringMatcher>(rule_).match(value);
}

}  // namespace meshproxy::matcher
