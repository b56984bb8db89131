#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/route/path_matcher.h"

namespace re2 {
class RE2;
}

namespace meshproxy::route {

// prefix_rewrite or regex_rewrite, of a RouteAction or a RedirectAction (at most one is set).
class PathRewrite {
 public:
  PathRewrite();
  static PathRewrite prefix(std::string replacement);
  static PathRewrite regex(std::unique_ptr<const re2::RE2> pattern, std::string substitution);
  PathRewrite(PathRewrite&&) noexcept;
  PathRewrite& operator=(PathRewrite&&) noexcept;
  ~PathRewrite();

  // The new :path, or nullopt when nothing is configured. As in Envoy:
  // - prefix_rewrite replaces the part the route matched (its prefix or path, or for a regex
  //   route the whole path before the query) and keeps the rest, query included;
  // - regex_rewrite replaces every match (RE2::GlobalReplace) in the path before the query, and
  //   keeps the query.
  std::optional<std::string> apply(std::string_view path, const PathMatcher& matched_by) const;

  bool empty() const { return prefix_.empty() && regex_ == nullptr; }

 private:
  std::string prefix_;
  std::unique_ptr<const re2::RE2> regex_;
  std::string substitution_;
};

}  // namespace meshproxy::route
