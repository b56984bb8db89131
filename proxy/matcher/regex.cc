#include "proxy/matcher/regex.h"

#include <fmt/format.h>
#include <re2/re2.h>

namespace meshproxy::matcher {

absl::StatusOr<std::unique_ptr<const re2::RE2>> compileRegex(std::string_view pattern,
                                                             uint32_t max_program_size) {
  auto regex =
      std::make_unique<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), re2::RE2::Quiet);
  if (!regex->ok()) {
    return absl::InvalidArgumentError(
        fmt::format("invalid regex '{}': {}", pattern, regex->error()));
  }
  const int program_size = regex->ProgramSize();
  if (program_size < 0 || static_cast<uint32_t>(program_size) > max_program_size) {
    return absl::InvalidArgumentError(
        fmt::format("regex '{}' RE2 program size of {} > max program size of {}", pattern,
                    program_size, max_program_size));
  }
  return std::unique_ptr<const re2::RE2>(std::move(regex));
}

}  // namespace meshproxy::matcher
