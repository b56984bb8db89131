#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace google::protobuf {
class Struct;
}

// JSON objects of JOSE (JWT header and payload, JWKS) read into google.protobuf.Struct with
// protobuf's JSON parser, as Envoy's jwt_verify_lib does: the payload is then already the
// Struct that payload_in_metadata hands to other filters, with no second representation.
namespace meshproxy::filters::jwt_authn {

// Inputs larger than this are refused before parsing (a JWKS or a token is a few KiB).
inline constexpr size_t kMaxJsonBytes = 256 * 1024;
// Deeper nesting is refused before parsing: claims are shallow, and a deep input only costs.
inline constexpr int kMaxJsonDepth = 32;

// True if `json` is one JSON object within the limits above.
bool parseJsonObject(std::string_view json, google::protobuf::Struct* out);

enum class FieldResult : uint8_t { kOk, kMissing, kWrongType, kOutOfRange };

FieldResult getString(const google::protobuf::Struct& s, std::string_view name, std::string* out);
// A NumericDate: a non-negative number (a fraction is truncated, as in Envoy) below 2^63.
FieldResult getUInt64(const google::protobuf::Struct& s, std::string_view name, uint64_t* out);
// A string, or a list of strings ("aud").
FieldResult getStringList(const google::protobuf::Struct& s, std::string_view name,
                          std::vector<std::string>* out);

}  // namespace meshproxy::filters::jwt_authn
