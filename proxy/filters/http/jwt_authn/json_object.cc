#include "proxy/filters/http/jwt_authn/json_object.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "proxy/core/strings.h"

namespace meshproxy::filters::jwt_authn {
namespace {

// Nesting depth of brackets outside strings; a cheap scan that bounds the parser's recursion.
bool depthWithin(std::string_view json, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

}  // namespace

bool parseJsonObject(std::string_view json, google::protobuf::Struct* out) {
  out->Clear();
  if (json.size() > kMaxJsonBytes || !depthWithin(json, kMaxJsonDepth)) return false;
  google::protobuf::util::JsonParseOptions options;
  google::protobuf::StringPiece input(json.data(), json.size());
  return google::protobuf::util::JsonStringToMessage(input, out, options).ok();
}

FieldResult getString(const google::protobuf::Struct& s, std::string_view name, std::string* out) {
  auto it = s.fields().find(name);
  if (it == s.fields().end()) return FieldResult::kMissing;
  if (it->second.kind_case() != google::protobuf::Value::kStringValue) {
    return FieldResult::kWrongType;
  }
  *out = it->second.string_value();
  return FieldResult::kOk;
}

FieldResult getUInt64(const google::protobuf::Struct& s, std::string_view name, uint64_t* out) {
  auto it = s.fields().find(name);
  if (it == s.fields().end()) return FieldResult::kMissing;
  if (it->second.kind_case() != google::protobuf::Value::kNumberValue) {
    return FieldResult::kWrongType;
  }
  const double v = it->second.number_value();
  // !(v >= 0) also catches NaN; 2^63 keeps every sum with a clock skew far from overflow.
  if (!(v >= 0) || v >= 9223372036854775808.0) return FieldResult::kOutOfRange;
  *out = static_cast<uint64_t>(v);
  return FieldResult::kOk;
}

FieldResult getStringList(const google::protobuf::Struct& s, std::string_view name,
                          std::vector<std::string>* out) {
  out->clear();
  auto it = s.fields().find(name);
  if (it == s.fields().end()) return FieldResult::kMissing;
  if (it->second.kind_case() == google::protobuf::Value::kStringValue) {
    out->push_back(it->second.string_value());
    return FieldResult::kOk;
  }
  if (it->second.kind_case() != google::protobuf::Value::kListValue) {
    return FieldResult::kWrongType;
  }
  for (const auto& v : it->second.list_value().values()) {
    if (v.kind_case() != google::protobuf::Value::kStringValue) {
      out->clear();
      return FieldResult::kWrongType;
    }
    out->push_back(v.string_value());
  }
  return FieldResult::kOk;
}

}  // namespace meshproxy::filters::jwt_authn
