#include "proxy/accesslog/response_flags.h"

#include <array>
#include <bit>

namespace meshproxy::accesslog {
namespace {

// Index i is the code of bit i; the order must match the enum above.
constexpr std::array<std::string_view, kResponseFlagCount> kShortCodes = {
    "LH",   "UH",   "UT",   "LR",   "UR", "UF",  "UC", "UO", "NR",  "DI",
    "FI",   "RL",   "UAEX", "RLSE", "DC", "URX", "SI", "IH", "DPE", "UMSDR",
    "RFCF", "NFCF", "DT",   "UPE",  "NC", "OM",  "DF", "DO",
};

}  // namespace

std::string_view responseFlagShortCode(ResponseFlag flag) {
  const auto bits = static_cast<uint32_t>(flag);
  if (std::popcount(bits) != 1) return {};
  const int index = std::countr_zero(bits);
  return index < kResponseFlagCount ? kShortCodes[index] : std::string_view{};
}

std::optional<ResponseFlag> responseFlagFromShortCode(std::string_view code) {
  for (int i = 0; i < kResponseFlagCount; ++i) {
    if (kShortCodes[i] == code) return static_cast<ResponseFlag>(1u << i);
  }
  return std::nullopt;
}

void appendResponseFlags(uint32_t flags, std::string& out) {
  bool first = true;
  for (int i = 0; i < kResponseFlagCount; ++i) {
    if ((flags & (1u << i)) == 0) continue;
    if (!first) out += ',';
    out += kShortCodes[i];
    first = false;
  }
  // Bits past the known flags have no code; a line with only those reads as "no flags".
  if (first) out += '-';
}

}  // namespace meshproxy::accesslog
