#include "proxy/matcher/string_matcher.h"

#include <re2/re2.h>

#include "proxy/core/ascii_case.h"

namespace meshproxy::matcher {

StringMatcher::StringMatcher(Kind kind, std::string pattern, bool ignore_case)
    : kind_(kind), ignore_case_(ignore_case), pattern_(std::move(pattern)) {}

StringMatcher::StringMatcher(std::unique_ptr<const re2::RE2> regex)
    : kind_(Kind::kRegex), regex_(std::move(regex)) {}

StringMatcher::StringMatcher(StringMatcher&&) noexcept = default;
StringMatcher& StringMatcher::operator=(StringMatcher&&) noexcept = default;
StringMatcher::~StringMatcher() = default;

bool StringMatcher::match(std::string_view value) const {
  switch (kind_) {
    case Kind::kExact:
      return ignore_case_ ? equalsIgnoreCase(value, pattern_) : value == pattern_;
    case Kind::kPrefix:
      return ignore_case_ ? startsWithIgnoreCase(value, pattern_) : value.starts_with(pattern_);
    case Kind::kSuffix:
      return ignore_case_ ? endsWithIgnoreCase(value, pattern_) : value.ends_with(pattern_);
    case Kind::kContains:
      return ignore_case_ ? containsIgnoreCase(value, pattern_)
                          : value.find(pattern_) != std::string_view::npos;
    case Kind::kRegex:
      return re2::RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *regex_);
  }
  return false;
}

}  // namespace meshproxy::matcher
