#include "proxy/filters/http/jwt_authn/jwt_outputs.h"

#include <google/protobuf/struct.pb.h>

#include <cmath>
#include <cstdint>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "proxy/core/strings.h"
#include "proxy/http/header_map.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::jwt_authn {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// The claim at a dotted path ("a.b.c"), nullptr when absent.
const Value* claim(const Struct& payload, const std::string& path) {
  const Struct* current = &payload;
  const Value* found = nullptr;
  for (absl::string_view key : absl::StrSplit(path, '.')) {
    if (current == nullptr) return nullptr;
    auto it = current->fields().find(std::string(key));
    if (it == current->fields().end()) return nullptr;
    found = &it->second;
    current = found->kind_case() == Value::kStructValue ? &found->struct_value() : nullptr;
  }
  return found;
}

bool claimAsHeaderValue(const Value& v, std::string* out) {
  switch (v.kind_case()) {
    case Value::kStringValue:
      *out = v.string_value();
      return true;
    case Value::kNumberValue: {
      const double d = v.number_value();
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
        *out = absl::StrCat(static_cast<int64_t>(d));
      } else {
        *out = absl::StrCat(d);
      }
      return true;
    }
    case Value::kBoolValue:
      *out = v.bool_value() ? "true" : "false";
      return true;
    case Value::kStructValue:
      *out = absl::Base64Escape(protobuf::messageToJson(v.struct_value()));
      return true;
    case Value::kListValue:
      *out = absl::Base64Escape(protobuf::messageToJson(v.list_value()));
      return true;
    default:
      return false;
  }
}

}  // namespace

void applyVerifiedJwtHeaders(const VerifiedJwt& verified, http::HeaderMap& headers) {
  const JwtProviderConfig& p = *verified.provider;
  if (!p.forward) TokenExtractor::removeToken(headers, verified.source);
  if (!p.forward_payload_header.empty()) {
    std::string payload(verified.jwt->payloadBase64Url());
    if (p.pad_forward_payload_header) {
      while (payload.size() % 4 != 0) payload.push_back('=');
    }
    headers.set(p.forward_payload_header, payload);
  }
  for (const ClaimToHeader& c : p.claim_to_headers) {
    const Value* v = claim(verified.jwt->payload, c.claim_name);
    std::string value;
    if (v != nullptr && claimAsHeaderValue(*v, &value)) headers.set(c.header_name, value);
  }
}

void addVerifiedJwtMetadata(const VerifiedJwt& verified, Struct& ns) {
  const JwtProviderConfig& p = *verified.provider;
  if (!p.payload_in_metadata.empty()) {
    Struct payload = verified.jwt->payload;
    for (const std::string& name : p.space_delimited_claims) {
      auto it = payload.mutable_fields()->find(name);
      if (it == payload.mutable_fields()->end() || it->second.kind_case() != Value::kStringValue) {
        continue;
      }
      Value list;
      for (absl::string_view part :
           absl::StrSplit(it->second.string_value(), ' ', absl::SkipEmpty())) {
        list.mutable_list_value()->add_values()->set_string_value(std::string(part));
      }
      it->second = std::move(list);
    }
    *(*ns.mutable_fields())[p.payload_in_metadata].mutable_struct_value() = std::move(payload);
  }
  if (!p.header_in_metadata.empty()) {
    *(*ns.mutable_fields())[p.header_in_metadata].mutable_struct_value() = verified.jwt->header;
  }
}

void addFailedStatusMetadata(const JwtProviderConfig& provider, JwtStatus status, Struct& ns) {
  if (provider.failed_status_in_metadata.empty()) return;
  Struct failed;
  (*failed.mutable_fields())["code"].set_number_value(static_cast<double>(status));
  (*failed.mutable_fields())["message"].set_string_value(std::string(jwtStatusMessage(status)));
  *(*ns.mutable_fields())[provider.failed_status_in_metadata].mutable_struct_value() =
      std::move(failed);
}

std::string wwwAuthenticateValue(const http::HeaderMap& request_headers, JwtStatus status) {
  // Envoy's buildOriginalUri: x-envoy-original-path when a rewrite kept it, else :path, query
  // included, cut at 256 bytes.
  constexpr size_t kMaximumUriLength = 256;
  const std::string_view scheme =
      request_headers.scheme().empty() ? "http" : request_headers.scheme();
  std::string_view path =
      request_headers.get("x-envoy-original-path").value_or(request_headers.path());
  if (path.size() > kMaximumUriLength) path = path.substr(0, kMaximumUriLength);
  std::string value = absl::StrCat("Bearer realm=\"", toAbsl(scheme), "://",
                                   toAbsl(request_headers.authority()), toAbsl(path), "\"");
  // A request without a token is told where to authenticate, not that its token is bad.
  if (status != JwtStatus::kJwtMissed) absl::StrAppend(&value, ", error=\"invalid_token\"");
  return value;
}

bool isCorsPreflight(const http::HeaderMap& headers) {
  return headers.method() == "OPTIONS" && headers.has("origin") &&
         headers.has("access-control-request-method");
}

}  // namespace meshproxy::filters::jwt_authn
