#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace meshproxy::route {

// The part of :path that routes match: up to the first '?' or '#' (Envoy's
// PathUtil::removeQueryAndFragment), and also up to the first ';' when the route
// configuration sets ignore_path_parameters_in_path_matching.
std::string_view pathForMatching(std::string_view path, bool ignore_path_parameters);
// :path without "?query" and "#fragment".
std::string_view stripQueryAndFragment(std::string_view path);

// RouteMatch's path specifier: prefix, path (exact), safe_regex or path_separated_prefix.
class PathMatcher {
 public:
  enum class Kind : uint8_t { kPrefix, kExact, kRegex, kSeparatedPrefix };

  // A literal kind (not kRegex). case_sensitive is RouteMatch.case_sensitive (default true).
  PathMatcher(Kind kind, std::string pattern, bool case_sensitive);
  // safe_regex: the whole path must match; case_sensitive does not apply (as in Envoy).
  explicit PathMatcher(std::unique_ptr<const re2::RE2> regex);
  PathMatcher(PathMatcher&&) noexcept;
  PathMatcher& operator=(PathMatcher&&) noexcept;
  ~PathMatcher();

  // `path` is pathForMatching(:path).
  bool matches(std::string_view path) const;

  // How many leading bytes of :path a prefix_rewrite replaces: the configured prefix or path,
  // or, for a regex, the whole path before the query (Envoy's "matched path").
  size_t rewrittenLength(std::string_view full_path) const;

  Kind kind() const { return kind_; }
  const std::string& pattern() const { return pattern_; }

 private:
  Kind kind_;
  bool case_sensitive_ = true;
  std::string pattern_;
  std::unique_ptr<const re2::RE2> regex_;
};

}  // namespace meshproxy::route
