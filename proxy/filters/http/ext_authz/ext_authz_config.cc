// envoy.extensions.filters.http.ext_authz.v3.ExtAuthz -> ExtAuthzConfig.

#include "proxy/filters/http/ext_authz/ext_authz_config.h"

#include "absl/strings/str_cat.h"
#include "envoy/extensions/filters/http/ext_authz/v3/ext_authz.pb.h"
#include "proxy/core/ascii_case.h"
#include "proxy/core/strings.h"
#include "proxy/http/header_validation.h"
#include "proxy/matcher/matcher_supported_fields.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::filters::ext_authz {
namespace {

namespace v3 = envoy::extensions::filters::http::ext_authz::v3;

const protobuf::SupportedFields& extAuthzFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        // Not implemented, refused by name: filter_enabled, filter_enabled_metadata,
        // deny_at_disable, metadata_context_namespaces (and the typed/route variants),
        // validate_mutations, decoder_header_mutation_rules, include_tls_session,
        // bootstrap_metadata_labels_key, charge_cluster_response_stats, encode_raw_headers,
        // enable_dynamic_metadata_ingestion.
        {"envoy.extensions.filters.http.ext_authz.v3.ExtAuthz",
         {"grpc_service", "http_service", "transport_api_version", "failure_mode_allow",
          "failure_mode_allow_header_add", "with_request_body", "clear_route_cache",
          "status_on_error", "include_peer_certificate", "stat_prefix", "allowed_headers",
          "disallowed_headers"}},
        {"envoy.extensions.filters.http.ext_authz.v3.BufferSettings",
         {"max_request_bytes", "allow_partial_message", "pack_as_bytes"}},
        {"envoy.extensions.filters.http.ext_authz.v3.HttpService",
         {"server_uri", "path_prefix", "authorization_request", "authorization_response"}},
        {"envoy.config.core.v3.HttpUri", {"uri", "cluster", "timeout"}},
        {"envoy.extensions.filters.http.ext_authz.v3.AuthorizationRequest",
         {"allowed_headers", "headers_to_add"}},
        {"envoy.config.core.v3.HeaderValue", {"key", "value"}},
        // dynamic_metadata_from_headers is not implemented.
        {"envoy.extensions.filters.http.ext_authz.v3.AuthorizationResponse",
         {"allowed_upstream_headers", "allowed_upstream_headers_to_append",
          "allowed_client_headers", "allowed_client_headers_on_success"}},
        {"envoy.type.matcher.v3.ListStringMatcher", {"patterns"}},
        // google_grpc (the Google C++ gRPC client) is not implemented: envoy_grpc only.
        {"envoy.config.core.v3.GrpcService", {"envoy_grpc", "timeout", "initial_metadata"}},
        {"envoy.config.core.v3.GrpcService.EnvoyGrpc", {"cluster_name", "authority"}},
        {"envoy.type.v3.HttpStatus", {"code"}},
        {"envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute",
         {"disabled", "check_settings"}},
        {"envoy.extensions.filters.http.ext_authz.v3.CheckSettings",
         {"context_extensions", "disable_request_body_buffering", "with_request_body"}},
    };
    f.merge(matcher::matcherSupportedFields());
    return f;
  }();
  return fields;
}

absl::Status invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

// Header names are matched case-insensitively, as Envoy's ext_authz header matchers are.
absl::StatusOr<HeaderNameList> headerNames(const envoy::type::matcher::v3::ListStringMatcher& list,
                                           std::string_view field, uint32_t max_program_size) {
  std::vector<matcher::StringMatcher> patterns;
  for (int i = 0; i < list.patterns_size(); ++i) {
    envoy::type::matcher::v3::StringMatcher pattern = list.patterns(i);
    if (pattern.match_pattern_case() != envoy::type::matcher::v3::StringMatcher::kSafeRegex) {
      pattern.set_ignore_case(true);
    }
    auto m = matcher::translateStringMatcher(pattern, max_program_size);
    if (!m.ok()) {
      return protobuf::withContext(m.status(), absl::StrCat(toAbsl(field), ".patterns[", i, "]"));
    }
    patterns.push_back(std::move(*m));
  }
  return HeaderNameList(std::move(patterns));
}

absl::StatusOr<BodySettings> bodySettings(const v3::BufferSettings& proto, std::string_view field) {
  if (proto.max_request_bytes() == 0) {
    return invalid(absl::StrCat(toAbsl(field), ".max_request_bytes must be greater than 0"));
  }
  return BodySettings{proto.max_request_bytes(), proto.allow_partial_message(),
                      proto.pack_as_bytes()};
}

absl::StatusOr<HttpServiceConfig> httpService(const v3::HttpService& proto,
                                              uint32_t max_program_size) {
  HttpServiceConfig out;
  const auto& uri = proto.server_uri();
  if (uri.uri().empty() || uri.cluster().empty()) {
    return invalid("http_service.server_uri: uri and cluster are required");
  }
  if (!uri.has_timeout()) return invalid("http_service.server_uri.timeout is required");
  out.cluster = uri.cluster();
  std::string_view rest = uri.uri();
  if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    rest.remove_prefix(scheme + 3);
  }
  out.authority = std::string(rest.substr(0, rest.find('/')));
  if (out.authority.empty()) return invalid("http_service.server_uri.uri has no host");
  auto timeout = protobuf::durationField(uri.timeout(), "http_service.server_uri.timeout");
  if (!timeout.ok()) return timeout.status();
  out.timeout = *timeout;
  out.path_prefix = proto.path_prefix();
  if (!out.path_prefix.empty() && out.path_prefix[0] != '/') {
    return invalid("http_service.path_prefix must start with '/'");
  }
  const auto& request = proto.authorization_request();
  // authorization_request.allowed_headers is deprecated in favour of the top-level
  // allowed_headers, which is read too; Istio and older configs still write this one.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  if (request.has_allowed_headers()) {
    auto list = headerNames(request.allowed_headers(),
                            "http_service.authorization_request.allowed_headers", max_program_size);
    if (!list.ok()) return list.status();
    out.allowed_headers = std::move(*list);
  }
#pragma GCC diagnostic pop
  for (int i = 0; i < request.headers_to_add_size(); ++i) {
    const auto& h = request.headers_to_add(i);
    if (!http::isValidHeaderName(h.key()) || !http::isValidHeaderValue(h.value())) {
      return invalid(
          absl::StrCat("http_service.authorization_request.headers_to_add[", i, "] is invalid"));
    }
    out.headers_to_add.emplace_back(toLowerCopy(h.key()), h.value());
  }
  const auto& response = proto.authorization_response();
  struct Field {
    bool has;
    const envoy::type::matcher::v3::ListStringMatcher& list;
    const char* name;
    HeaderNameList* out;
  };
  for (const Field& f : {
           Field{response.has_allowed_upstream_headers(), response.allowed_upstream_headers(),
                 "allowed_upstream_headers", &out.allowed_upstream_headers},
           Field{response.has_allowed_upstream_headers_to_append(),
                 response.allowed_upstream_headers_to_append(),
                 "allowed_upstream_headers_to_append", &out.allowed_upstream_headers_to_append},
           Field{response.has_allowed_client_headers(), response.allowed_client_headers(),
                 "allowed_client_headers", &out.allowed_client_headers},
           Field{response.has_allowed_client_headers_on_success(),
                 response.allowed_client_headers_on_success(), "allowed_client_headers_on_success",
                 &out.allowed_client_headers_on_success},
       }) {
    if (!f.has) continue;
    auto list = headerNames(f.list, absl::StrCat("http_service.authorization_response.", f.name),
                            max_program_size);
    if (!list.ok()) return list.status();
    *f.out = std::move(*list);
  }
  return out;
}

absl::StatusOr<GrpcServiceConfig> grpcService(const envoy::config::core::v3::GrpcService& proto) {
  if (!proto.has_envoy_grpc()) return invalid("grpc_service: envoy_grpc is required");
  GrpcServiceConfig out;
  out.cluster = proto.envoy_grpc().cluster_name();
  if (out.cluster.empty()) return invalid("grpc_service.envoy_grpc.cluster_name is required");
  out.authority =
      proto.envoy_grpc().authority().empty() ? out.cluster : proto.envoy_grpc().authority();
  if (proto.has_timeout()) {
    auto t = protobuf::durationField(proto.timeout(), "grpc_service.timeout");
    if (!t.ok()) return t.status();
    out.timeout = *t;
  }
  for (int i = 0; i < proto.initial_metadata_size(); ++i) {
    const auto& h = proto.initial_metadata(i);
    if (!http::isValidHeaderName(h.key()) || !http::isValidHeaderValue(h.value())) {
      return invalid(absl::StrCat("grpc_service.initial_metadata[", i, "] is invalid"));
    }
    out.initial_metadata.emplace_back(toLowerCopy(h.key()), h.value());
  }
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const ExtAuthzConfig>> translateExtAuthz(
    const v3::ExtAuthz& proto, uint32_t max_regex_program_size) {
  if (auto s = extAuthzFields().check(proto); !s.ok()) return protobuf::withContext(s, "ext_authz");
  auto out = std::make_shared<ExtAuthzConfig>();
  auto fail = [](const absl::Status& s) { return protobuf::withContext(s, "ext_authz"); };
  // V3 is the only API the service speaks; AUTO (unset) means it too.
  if (proto.transport_api_version() != envoy::config::core::v3::AUTO &&
      proto.transport_api_version() != envoy::config::core::v3::V3) {
    return fail(invalid("transport_api_version must be V3"));
  }
  switch (proto.services_case()) {
    case v3::ExtAuthz::kGrpcService: {
      auto grpc = grpcService(proto.grpc_service());
      if (!grpc.ok()) return fail(grpc.status());
      out->grpc = std::move(*grpc);
      break;
    }
    case v3::ExtAuthz::kHttpService: {
      auto http = httpService(proto.http_service(), max_regex_program_size);
      if (!http.ok()) return fail(http.status());
      out->http = std::move(*http);
      break;
    }
    default:
      return fail(invalid("grpc_service or http_service is required"));
  }
  out->failure_mode_allow = proto.failure_mode_allow();
  out->failure_mode_allow_header_add = proto.failure_mode_allow_header_add();
  if (proto.has_with_request_body()) {
    auto body = bodySettings(proto.with_request_body(), "with_request_body");
    if (!body.ok()) return fail(body.status());
    out->with_request_body = *body;
  }
  out->clear_route_cache = proto.clear_route_cache();
  if (proto.has_status_on_error()) {
    const int code = proto.status_on_error().code();
    if (code < 100 || code > 599)
      return fail(invalid("status_on_error.code is not an HTTP status"));
    out->status_on_error = static_cast<uint32_t>(code);
  }
  out->include_peer_certificate = proto.include_peer_certificate();
  out->stat_prefix = proto.stat_prefix();
  if (proto.has_allowed_headers()) {
    auto list = headerNames(proto.allowed_headers(), "allowed_headers", max_regex_program_size);
    if (!list.ok()) return fail(list.status());
    out->allowed_headers = std::move(*list);
  }
  if (proto.has_disallowed_headers()) {
    auto list =
        headerNames(proto.disallowed_headers(), "disallowed_headers", max_regex_program_size);
    if (!list.ok()) return fail(list.status());
    out->disallowed_headers = std::move(*list);
  }
  return std::shared_ptr<const ExtAuthzConfig>(std::move(out));
}

absl::StatusOr<ExtAuthzPerRouteConfig> translateExtAuthzPerRoute(
    const v3::ExtAuthzPerRoute& proto) {
  if (auto s = extAuthzFields().check(proto); !s.ok()) {
    return protobuf::withContext(s, "ext_authz per-route config");
  }
  ExtAuthzPerRouteConfig out;
  switch (proto.override_case()) {
    case v3::ExtAuthzPerRoute::kDisabled:
      if (!proto.disabled()) return invalid("ext_authz per-route config: disabled must be true");
      out.disabled = true;
      return out;
    case v3::ExtAuthzPerRoute::kCheckSettings: {
      const auto& settings = proto.check_settings();
      for (const auto& [key, value] : settings.context_extensions()) {
        out.context_extensions[key] = value;
      }
      out.disable_request_body_buffering = settings.disable_request_body_buffering();
      if (settings.has_with_request_body()) {
        if (out.disable_request_body_buffering) {
          return invalid(
              "ext_authz per-route config: with_request_body and disable_request_body_buffering "
              "cannot both be set");
        }
        auto body = bodySettings(settings.with_request_body(), "check_settings.with_request_body");
        if (!body.ok()) return protobuf::withContext(body.status(), "ext_authz per-route config");
        out.with_request_body = *body;
      }
      return out;
    }
    default:
      return invalid("ext_authz per-route config: disabled or check_settings is required");
  }
}

}  // namespace meshproxy::filters::ext_authz
