#include "proxy/route/path_matcher.h"

#include <re2/re2.h>

#include "proxy/core/ascii_case.h"

namespace meshproxy::route {

std::string_view stripQueryAndFragment(std::string_view path) {
  return path.substr(0, std::min(path.find_first_of("?#"), path.size()));
}

std::string_view pathForMatching(std::string_view path, bool ignore_path_parameters) {
  std::string_view p = stripQueryAndFragment(path);
  if (ignore_path_parameters) p = p.substr(0, std::min(p.find(';'), p.size()));
  return p;
}

PathMatcher::PathMatcher(Kind kind, std::string pattern, bool case_sensitive)
    : kind_(kind), case_sensitive_(case_sensitive), pattern_(std::move(pattern)) {}

PathMatcher::PathMatcher(std::unique_ptr<const re2::RE2> regex)
    : kind_(Kind::kRegex), regex_(std::move(regex)) {}

PathMatcher::PathMatcher(PathMatcher&&) noexcept = default;
PathMatcher& PathMatcher::operator=(PathMatcher&&) noexcept = default;
PathMatcher::~PathMatcher() = default;

bool PathMatcher::matches(std::string_view path) const {
  switch (kind_) {
    case Kind::kPrefix:
      return case_sensitive_ ? path.starts_with(pattern_) : startsWithIgnoreCase(path, pattern_);
    case Kind::kExact:
      return case_sensitive_ ? path == pattern_ : equalsIgnoreCase(path, pattern_);
    case Kind::kRegex:
      return re2::RE2::FullMatch(re2::StringPiece(path.data(), path.size()), *regex_);
    case Kind::kSeparatedPrefix: {
      // "/api" matches "/api" and "/api/..." but not "/apix".
      bool prefix_matches =
          case_sensitive_ ? path.starts_with(pattern_) : startsWithIgnoreCase(path, pattern_);
      return prefix_matches && (path.size() == pattern_.size() || path[pattern_.size()] == '/');
    }
  }
  return false;
}

size_t PathMatcher::rewrittenLength(std::string_view full_path) const {
  if (kind_ == Kind::kRegex) return stripQueryAndFragment(full_path).size();
  return std::min(pattern_.size(), full_path.size());
}

}  // namespace meshproxy::route
