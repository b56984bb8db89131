#include "proxy/filters/http/compressor/accept_encoding.h"

#include "absl/container/inlined_vector.h"
#include "absl/strings/numbers.h"
#include "proxy/core/ascii_case.h"
#include "proxy/core/strings.h"
#include "proxy/http/header_list.h"

namespace meshproxy::filters::compressor {
namespace {

constexpr std::string_view kIdentity = "identity";
constexpr std::string_view kWildcard = "*";

struct Allowed {
  std::string_view encoding;
  bool choose_first;
  bool allowed = true;  // false once the client said q=0
};

struct Preference {
  std::string_view coding;
  float q;
};

// "gzip;q=0.5" -> {"gzip", 0.5}; false for an unparsable q (the element is then ignored).
bool parseElement(std::string_view element, Preference& out) {
  const size_t semi = element.find(';');
  out.coding = http::trimOws(element.substr(0, semi));
  out.q = 1;
  if (semi == std::string_view::npos) return true;
  std::string_view params = element.substr(semi + 1);
  while (!params.empty()) {
    const size_t next = params.find(';');
    std::string_view param = http::trimOws(params.substr(0, next));
    const size_t eq = param.find('=');
    if (eq != std::string_view::npos && equalsIgnoreCase(http::trimOws(param.substr(0, eq)), "q")) {
      return absl::SimpleAtof(toAbsl(http::trimOws(param.substr(eq + 1))), &out.q);
    }
    if (next == std::string_view::npos) break;
    params.remove_prefix(next + 1);
  }
  return true;
}

}  // namespace

EncodingChoice chooseEncoding(std::string_view accept_encoding,
                              std::span<const CompressorCandidate> chain) {
  absl::InlinedVector<Allowed, 4> allowed;
  for (const CompressorCandidate& c : chain) {
    if (!c.content_type_allowed) continue;
    bool seen = false;
    for (const Allowed& a : allowed) seen = seen || equalsIgnoreCase(a.encoding, c.encoding);
    if (!seen) allowed.push_back({c.encoding, c.choose_first});
  }
  auto find = [&](std::string_view coding) -> Allowed* {
    for (Allowed& a : allowed) {
      if (a.allowed && equalsIgnoreCase(a.encoding, coding)) return &a;
    }
    return nullptr;
  };

  absl::InlinedVector<Preference, 8> preferences;
  accept_encoding = http::trimOws(accept_encoding);
  http::forEachListElement(accept_encoding, [&](std::string_view element) {
    Preference p;
    if (!parseElement(element, p)) return true;
    preferences.push_back(p);
    // Kept in the preferences (the client's word for "*" still stands), but that compressor
    // may no longer be chosen.
    if (p.q == 0) {
      if (Allowed* a = find(p.coding)) a->allowed = false;
    }
    return true;
  });

  bool any_allowed = false;
  for (const Allowed& a : allowed) any_allowed = any_allowed || a.allowed;
  if (preferences.empty() || !any_allowed) return {kIdentity, EncodingStat::kNotValid};

  Preference choice{kIdentity, 0};
  for (const Preference& p : preferences) {
    const Allowed* a = find(p.coding);
    if (a == nullptr && !equalsIgnoreCase(p.coding, kIdentity) && p.coding != kWildcard) continue;
    if (p.q > choice.q || (p.q == choice.q && a != nullptr && a->choose_first)) choice = p;
  }
  if (choice.q <= 0) return {kIdentity, EncodingStat::kNotValid};
  if (equalsIgnoreCase(choice.coding, kIdentity)) return {kIdentity, EncodingStat::kIdentity};
  if (choice.coding == kWildcard) {
    for (const Allowed& a : allowed) {
      if (a.allowed) return {a.encoding, EncodingStat::kWildcard};
    }
  }
  return {find(choice.coding)->encoding, EncodingStat::kValidCompressor};
}

}  // namespace meshproxy::filters::compressor
