#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/matcher/string_matcher.h"
#include "proxy/runtime/well_known_keys.h"

namespace envoy::extensions::filters::http::ext_authz::v3 {
class ExtAuthz;
class ExtAuthzPerRoute;
}  // namespace envoy::extensions::filters::http::ext_authz::v3

// envoy.filters.http.ext_authz, translated once on the main thread: which service to ask
// (HTTP or gRPC through a cluster), what to send it, what of its answer to apply, what to do
// when it cannot answer.
namespace meshproxy::filters::ext_authz {

// envoy.type.matcher.v3.ListStringMatcher: a header name matches if any pattern does.
class HeaderNameList {
 public:
  HeaderNameList() = default;
  explicit HeaderNameList(std::vector<matcher::StringMatcher> patterns)
      : patterns_(std::move(patterns)), set_(true) {}
  bool matches(std::string_view lower_case_name) const {
    for (const auto& p : patterns_) {
      if (p.match(lower_case_name)) return true;
    }
    return false;
  }
  // Whether the list was configured at all (an unset list often means "all" or "defaults").
  bool set() const { return set_; }

 private:
  std::vector<matcher::StringMatcher> patterns_;
  bool set_ = false;
};

// HttpService: the original request's method and path (after path_prefix) go to server_uri's
// cluster with the allowed headers; 200 allows, anything else is the denial sent to the client.
struct HttpServiceConfig {
  std::string cluster;
  std::string authority;  // server_uri's host
  std::string path_prefix;
  std::chrono::milliseconds timeout{0};
  // authorization_request
  HeaderNameList allowed_headers;  // besides Envoy's always-sent ones (see http_authz_client.h)
  std::vector<std::pair<std::string, std::string>> headers_to_add;
  // authorization_response
  HeaderNameList allowed_upstream_headers;  // set on the request going upstream (on 200)
  HeaderNameList allowed_upstream_headers_to_append;
  HeaderNameList allowed_client_headers;             // on the denial sent to the client; unset: all
  HeaderNameList allowed_client_headers_on_success;  // added to the upstream's response (on 200)
};

// GrpcService with envoy_grpc: envoy.service.auth.v3.Authorization/Check over the cluster,
// which must speak HTTP/2 (typed_extension_protocol_options or http2_protocol_options).
struct GrpcServiceConfig {
  std::string cluster;
  std::string authority;  // envoy_grpc.authority, else the cluster name (as Envoy does)
  std::chrono::milliseconds timeout{200};  // Envoy's default for ext_authz
  std::vector<std::pair<std::string, std::string>> initial_metadata;
};

// with_request_body (BufferSettings).
struct BodySettings {
  uint32_t max_request_bytes = 0;
  bool allow_partial_message = false;
  bool pack_as_bytes = false;  // gRPC: raw_body instead of body
};

struct ExtAuthzConfig {
  std::optional<HttpServiceConfig> http;
  std::optional<GrpcServiceConfig> grpc;
  bool failure_mode_allow = false;
  bool failure_mode_allow_header_add = false;  // x-envoy-auth-failure-mode-allowed: true
  std::optional<BodySettings> with_request_body;
  bool clear_route_cache = false;
  uint32_t status_on_error = 403;
  bool include_peer_certificate = false;
  std::string stat_prefix;  // "ext_authz.<stat_prefix>." ... Envoy's naming
  // Top-level allowed_headers / disallowed_headers: which request headers the check carries
  // (gRPC: the attribute context's headers; HTTP: added to authorization_request's list).
  HeaderNameList allowed_headers;
  HeaderNameList disallowed_headers;
};

// ExtAuthzPerRoute.
struct ExtAuthzPerRouteConfig {
  bool disabled = false;
  std::map<std::string, std::string> context_extensions;  // check_settings.context_extensions
  bool disable_request_body_buffering = false;
  std::optional<BodySettings> with_request_body;
};

// Every field is translated or refused by name (filter_enabled, metadata_context_namespaces,
// google_grpc and the rest are refused until they are enforced).
absl::StatusOr<std::shared_ptr<const ExtAuthzConfig>> translateExtAuthz(
    const envoy::extensions::filters::http::ext_authz::v3::ExtAuthz& proto,
    uint32_t max_regex_program_size = runtime::maxRegexProgramSize());

absl::StatusOr<ExtAuthzPerRouteConfig> translateExtAuthzPerRoute(
    const envoy::extensions::filters::http::ext_authz::v3::ExtAuthzPerRoute& proto);

}  // namespace meshproxy::filters::ext_authz
