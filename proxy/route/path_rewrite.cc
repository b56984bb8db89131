#include "proxy/route/path_rewrite.h"

#include <re2/re2.h>

namespace meshproxy::route {

PathRewrite::PathRewrite() = default;
PathRewrite::PathRewrite(PathRewrite&&) noexcept = default;
PathRewrite& PathRewrite::operator=(PathRewrite&&) noexcept = default;
PathRewrite::~PathRewrite() = default;

PathRewrite PathRewrite::prefix(std::string replacement) {
  PathRewrite r;
  r.prefix_ = std::move(replacement);
  return r;
}

PathRewrite PathRewrite::regex(std::unique_ptr<const re2::RE2> pattern, std::string substitution) {
  PathRewrite r;
  r.regex_ = std::move(pattern);
  r.substitution_ = std::move(substitution);
  return r;
}

std::optional<std::string> PathRewrite::apply(std::string_view path,
                                              const PathMatcher& matched_by) const {
  if (!prefix_.empty()) {
    std::string out = prefix_;
    out.append(path.substr(matched_by.rewrittenLength(path)));
    return out;
  }
  if (regex_ != nullptr) {
    std::string_view just_path = stripQueryAndFragment(path);
    std::string out(just_path);
    re2::RE2::GlobalReplace(&out, *regex_, substitution_);
    out.append(path.substr(just_path.size()));
    return out;
  }
  return std::nullopt;
}

}  // namespace meshproxy::route
