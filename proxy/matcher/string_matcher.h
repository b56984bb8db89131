#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace meshproxy::matcher {

// Envoy's StringMatcher (envoy.type.matcher.v3.StringMatcher), compiled: exact, prefix,
// suffix, contains, each optionally ASCII case-insensitive, or an RE2 full match.
class StringMatcher {
 public:
  enum class Kind : uint8_t { kExact, kPrefix, kSuffix, kContains, kRegex };

  // A literal matcher; `kind` must not be kRegex.
  StringMatcher(Kind kind, std::string pattern, bool ignore_case);
  // A regex matcher: the whole value must match (Envoy's safe_regex semantics).
  explicit StringMatcher(std::unique_ptr<const re2::RE2> regex);
  StringMatcher(StringMatcher&&) noexcept;
  StringMatcher& operator=(StringMatcher&&) noexcept;
  ~StringMatcher();

  bool match(std::string_view value) const;

  Kind kind() const { return kind_; }

 private:
  Kind kind_;
  bool ignore_case_ = false;
  std::string pattern_;
  std::unique_ptr<const re2::RE2> regex_;
};

}  // namespace meshproxy::matcher
