#include "proxy/filters/http/jwt_authn/base64url.h"

#include "absl/strings/escaping.h"
#include "proxy/core/strings.h"

namespace meshproxy::filters::jwt_authn {

bool base64UrlDecode(std::string_view in, std::string* out) {
  out->clear();
  if (in.size() % 4 == 1) return false;  // no whole byte in the last group
  for (char c : in) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  if (!absl::WebSafeBase64Unescape(toAbsl(in), out)) return false;
  // Non-zero padding bits ("QR" for "A") decode to the same bytes; accept only the canonical form.
  if (base64UrlEncode(*out) != in) {
    out->clear();
    return false;
  }
  return true;
}

std::string base64UrlEncode(std::string_view in) {
  std::string out;
  absl::WebSafeBase64Escape(toAbsl(in), &out);  // unpadded
  return out;
}

}  // namespace meshproxy::filters::jwt_authn
