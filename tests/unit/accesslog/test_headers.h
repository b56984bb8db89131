#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "proxy/accesslog/header_lookup.h"

namespace meshproxy::accesslog::testing {

// A header block for tests; names are stored as given, so give them in lower case, as the
// real header map would hold them.
class TestHeaders : public HeaderLookup {
 public:
  TestHeaders(std::initializer_list<std::pair<const std::string, std::string>> headers)
      : headers_(headers) {}

  std::optional<std::string_view> get(std::string_view lowercase_name) const override {
    auto it = headers_.find(std::string(lowercase_name));
    if (it == headers_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::string> headers_;
};

}  // namespace meshproxy::accesslog::testing
