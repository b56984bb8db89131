#pragma once

#include <fmt/format.h>

#include <string_view>

#include "absl/strings/string_view.h"

// Debian 12's abseil is built with its own string_view type (ABSL_OPTION_USE_STD_STRING_VIEW
// is 0), so absl::StrCat does not take a std::string_view and Status::message() is not one.
// These bridge the two without copying.
namespace meshproxy {

inline absl::string_view toAbsl(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view toStd(absl::string_view s) { return {s.data(), s.size()}; }

}  // namespace meshproxy

template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view s, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.data(), s.size()), ctx);
  }
};
