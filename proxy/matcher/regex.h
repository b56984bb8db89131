#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace re2 {
class RE2;
}

namespace meshproxy::matcher {

// Envoy's default for the runtime key re2.max_program_size.error_level. Istio's bootstrap
// raises it to 32768, so whoever builds the table from an Istio-style bootstrap should too.
inline constexpr uint32_t kDefaultMaxRegexProgramSize = 100;

// Compiles `pattern` as Envoy's google_re2 engine does (RE2 default options: UTF-8, full
// syntax) and, like Envoy, refuses a program bigger than `max_program_size`: RE2 runs in
// linear time, but a huge program still costs memory and time on every request.
// The error names the pattern and RE2's reason.
absl::StatusOr<std::unique_ptr<const re2::RE2>> compileRegex(std::string_view pattern,
                                                             uint32_t max_program_size);

}  // namespace meshproxy::matcher
