#include "proxy/http/path_utility.h"

#include <vector>

namespace meshproxy::http {

std::string_view stripQueryAndFragment(std::string_view p) {
  size_t end = p.find_first_of("?#");
  return end == std::string_view::npos ? p : p.substr(0, end);
}

namespace {
std::pair<std::string_view, std::string_view> splitQuery(std::string_view p) {
  size_t q = p.find('?');
  if (q == std::string_view::npos) return {p, {}};
  return {p.substr(0, q), p.substr(q)};
}
}  // namespace

std::optional<std::string> normalizePath(std::string_view path_and_query) {
  auto [path, query] = splitQuery(path_and_query);
  if (path.empty() || path[0] != '/') return std::nullopt;
  // Split into segments and resolve "." and ".." against a stack.
  std::vector<std::string_view> out;
  size_t i = 1;
  bool trailing_slash = false;
  while (i <= path.size()) {
    size_t next = path.find('/', i);
    if (next == std::string_view::npos) next = path.size();
    std::string_view seg = path.substr(i, next - i);
    bool last = next == path.size();
    if (seg == ".") {
      trailing_slash = last;
    } else if (seg == "..") {
      if (!out.empty()) out.pop_back();
      trailing_slash = last;
    } else {
      out.push_back(seg);
      trailing_slash = false;
    }
    i = next + 1;
  }
  std::string result;
  result.reserve(path_and_query.size());
  for (auto seg : out) {
    result += '/';
    result += seg;
  }
  if (result.empty() || trailing_slash) result += '/';
  result += query;
  return result;
}

std::string mergeSlashes(std::string_view path_and_query) {
  auto [path, query] = splitQuery(path_and_query);
  std::string result;
  result.reserve(path_and_query.size());
  for (char c : path) {
    if (c == '/' && !result.empty() && result.back() == '/') continue;
    result += c;
  }
  result += query;
  return result;
}

}  // namespace meshproxy::http
