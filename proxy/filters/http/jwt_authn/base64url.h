#pragma once

#include <string>
#include <string_view>

namespace meshproxy::filters::jwt_authn {

// base64url without padding (RFC 7515 section 2), strictly: only [A-Za-z0-9_-], no '=', no
// whitespace, and the unused low bits of the last character zero, so that each byte string has
// exactly one accepted encoding. The decoding itself is abseil's; this adds the strictness.
bool base64UrlDecode(std::string_view in, std::string* out);
std::string base64UrlEncode(std::string_view in);

}  // namespace meshproxy::filters::jwt_authn
