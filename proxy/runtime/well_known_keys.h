// Runtime keys that meshproxy itself reads (besides the keys config names), by Envoy's name.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "proxy/runtime/snapshot.h"

namespace meshproxy::runtime {

// Envoy's limit on a compiled RE2 program's size for safe_regex (config-time: a larger regex
// is rejected). Istio's bootstrap raises it to 32768.
inline constexpr std::string_view kRegexMaxProgramSizeErrorLevel =
    "re2.max_program_size.error_level";
// Only logged by Envoy; read here so that it is not reported as unknown.
inline constexpr std::string_view kRegexMaxProgramSizeWarnLevel = "re2.max_program_size.warn_level";

// The error level from this thread's snapshot (the main thread's, where config is translated),
// 100 by default as in Envoy.
inline uint32_t maxRegexProgramSize() {
  uint64_t v = Snapshot::current().getInteger(kRegexMaxProgramSizeErrorLevel, 100);
  return static_cast<uint32_t>(std::min<uint64_t>(v, UINT32_MAX));
}

}  // namespace meshproxy::runtime
