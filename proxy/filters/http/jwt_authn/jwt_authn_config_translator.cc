// envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication -> JwtAuthnConfig.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "envoy/extensions/filters/http/jwt_authn/v3/config.pb.h"
#include "proxy/core/ascii_case.h"
#include "proxy/core/strings.h"
#include "proxy/filters/http/jwt_authn/jwt_authn_config.h"
#include "proxy/http/header_validation.h"
#include "proxy/matcher/matcher_supported_fields.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/route/route_match_translator.h"
#include "proxy/tls/tls_context_config.h"
#include "proxy/tls/tls_context_translator.h"

namespace meshproxy::filters::jwt_authn {
namespace {

namespace v3 = envoy::extensions::filters::http::jwt_authn::v3;

const protobuf::SupportedFields& jwtAuthnFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        // filter_state_rules is not implemented: refused by name.
        {"envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
         {"providers", "rules", "bypass_cors_preflight", "requirement_map",
          "strip_failure_response"}},
        // jwt_cache_config (a cache of verified tokens) is not implemented: refused by name.
        {"envoy.extensions.filters.http.jwt_authn.v3.JwtProvider",
         {"issuer",
          "audiences",
          "subjects",
          "require_expiration",
          "max_lifetime",
          "remote_jwks",
          "local_jwks",
          "forward",
          "from_headers",
          "from_params",
          "from_cookies",
          "forward_payload_header",
          "pad_forward_payload_header",
          "payload_in_metadata",
          "normalize_payload_in_metadata",
          "header_in_metadata",
          "failed_status_in_metadata",
          "clock_skew_seconds",
          "claim_to_headers",
          "clear_route_cache"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.JwtProvider.NormalizePayload",
         {"space_delimited_claims"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks",
         {"http_uri", "cache_duration", "async_fetch", "retry_policy"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.JwksAsyncFetch",
         {"fast_listener", "failed_refetch_duration"}},
        {"envoy.config.core.v3.HttpUri", {"uri", "cluster", "timeout"}},
        // retry_on, retry_priority, retry_host_predicate ... are not implemented.
        {"envoy.config.core.v3.RetryPolicy", {"retry_back_off", "num_retries"}},
        {"envoy.config.core.v3.BackoffStrategy", {"base_interval", "max_interval"}},
        // environment_variable and watched_directory are not implemented.
        {"envoy.config.core.v3.DataSource", {"filename", "inline_bytes", "inline_string"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.JwtHeader", {"name", "value_prefix"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader",
         {"header_name", "claim_name"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement",
         {"provider_name", "provider_and_audiences", "requires_any", "requires_all",
          "allow_missing_or_failed", "allow_missing"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.ProviderWithAudiences",
         {"provider_name", "audiences"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList", {"requirements"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementAndList", {"requirements"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.RequirementRule",
         {"match", "requires_", "requirement_name"}},
        // The route match of a rule: what route_match_translator implements.
        {"envoy.config.route.v3.RouteMatch",
         {"prefix", "path", "safe_regex", "path_separated_prefix", "case_sensitive", "headers",
          "query_parameters"}},
        {"envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig",
         {"disabled", "requirement_name"}},
    };
    f.merge(matcher::matcherSupportedFields());
    return f;
  }();
  return fields;
}

absl::Status invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

absl::Status headerName(const std::string& name, std::string_view field) {
  if (http::isValidHeaderName(name)) return absl::OkStatus();
  return invalid(absl::StrCat(toAbsl(field), ": invalid header name '", name, "'"));
}

absl::Status translateLocalJwks(const envoy::config::core::v3::DataSource& proto,
                                JwtProviderConfig* out) {
  auto spec = tls::translateDataSource(proto, "local_jwks");
  if (!spec.ok()) return spec.status();
  auto text = tls::readDataSource(*spec);
  if (!text.ok()) return protobuf::withContext(text.status(), "local_jwks");
  auto jwks = std::make_shared<Jwks>();
  JwtStatus status = Jwks::parse(*text, jwks.get());
  if (status != JwtStatus::kOk) {
    std::string detail = jwks->skipped().empty() ? "" : absl::StrCat(" (", jwks->skipped()[0], ")");
    return invalid(absl::StrCat("local_jwks from ", spec->label(), ": ",
                                toAbsl(jwtStatusMessage(status)), detail));
  }
  out->local_jwks = std::move(jwks);
  return absl::OkStatus();
}

absl::Status translateRemoteJwks(const v3::RemoteJwks& proto, JwtProviderConfig* out) {
  RemoteJwksConfig remote;
  const auto& uri = proto.http_uri();
  if (uri.uri().empty()) return invalid("remote_jwks.http_uri.uri is required");
  if (uri.cluster().empty()) return invalid("remote_jwks.http_uri.cluster is required");
  if (!uri.has_timeout()) return invalid("remote_jwks.http_uri.timeout is required");
  remote.uri = uri.uri();
  remote.cluster = uri.cluster();
  {
    std::string_view rest = remote.uri;
    if (const size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
      rest.remove_prefix(scheme + 3);
    }
    const size_t slash = rest.find('/');
    remote.authority = std::string(rest.substr(0, slash));
    remote.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (remote.authority.empty()) {
      return invalid(absl::StrCat("remote_jwks.http_uri.uri '", remote.uri, "' has no host"));
    }
  }
  auto timeout = protobuf::durationField(uri.timeout(), "remote_jwks.http_uri.timeout");
  if (!timeout.ok()) return timeout.status();
  remote.timeout = *timeout;
  if (proto.has_cache_duration()) {
    auto d = protobuf::durationField(proto.cache_duration(), "remote_jwks.cache_duration");
    if (!d.ok()) return d.status();
    if (d->count() < 1) return invalid("remote_jwks.cache_duration must be at least 1ms");
    remote.cache_duration = *d;
  }
  if (proto.has_async_fetch()) {
    remote.async_fetch = true;
    remote.fast_listener = proto.async_fetch().fast_listener();
    if (proto.async_fetch().has_failed_refetch_duration()) {
      auto d = protobuf::durationField(proto.async_fetch().failed_refetch_duration(),
                                       "remote_jwks.async_fetch.failed_refetch_duration");
      if (!d.ok()) return d.status();
      remote.failed_refetch_duration = *d;
    }
  }
  if (proto.has_retry_policy()) {
    const auto& retry = proto.retry_policy();
    remote.num_retries = retry.has_num_retries() ? retry.num_retries().value() : 1;
    if (retry.has_retry_back_off()) {
      auto base = protobuf::durationField(retry.retry_back_off().base_interval(),
                                          "remote_jwks.retry_policy.retry_back_off.base_interval");
      if (!base.ok()) return base.status();
      remote.retry_base_interval = *base;
      remote.retry_max_interval = 10 * *base;  // Envoy's default
      if (retry.retry_back_off().has_max_interval()) {
        auto max = protobuf::durationField(retry.retry_back_off().max_interval(),
                                           "remote_jwks.retry_policy.retry_back_off.max_interval");
        if (!max.ok()) return max.status();
        if (*max < *base) {
          return invalid("remote_jwks.retry_policy.retry_back_off: max_interval < base_interval");
        }
        remote.retry_max_interval = *max;
      }
    }
  }
  out->remote_jwks = std::move(remote);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<JwtProviderConfig>> translateProvider(const std::string& name,
                                                                     const v3::JwtProvider& p,
                                                                     uint32_t max_program_size) {
  auto out = std::make_unique<JwtProviderConfig>();
  out->name = name;
  out->claims.issuer = p.issuer();
  out->claims.audiences = std::make_shared<const AudienceChecker>(
      std::vector<std::string>(p.audiences().begin(), p.audiences().end()));
  if (p.has_subjects()) {
    auto subjects = matcher::translateStringMatcher(p.subjects(), max_program_size);
    if (!subjects.ok()) return protobuf::withContext(subjects.status(), "subjects");
    out->claims.subjects = std::make_shared<const matcher::StringMatcher>(std::move(*subjects));
  }
  out->claims.require_expiration = p.require_expiration();
  if (p.has_max_lifetime()) {
    auto d = protobuf::durationField(p.max_lifetime(), "max_lifetime");
    if (!d.ok()) return d.status();
    out->claims.max_lifetime_seconds = static_cast<uint64_t>(d->count() / 1000);
  }
  // uint32 cannot say "unset": 0 is Envoy's default of 60 seconds.
  out->claims.clock_skew_seconds = p.clock_skew_seconds() == 0 ? 60 : p.clock_skew_seconds();

  switch (p.jwks_source_specifier_case()) {
    case v3::JwtProvider::kLocalJwks:
      if (auto s = translateLocalJwks(p.local_jwks(), out.get()); !s.ok()) return s;
      break;
    case v3::JwtProvider::kRemoteJwks:
      if (auto s = translateRemoteJwks(p.remote_jwks(), out.get()); !s.ok()) return s;
      break;
    default:
      return invalid("remote_jwks or local_jwks is required");
  }

  for (int i = 0; i < p.from_headers_size(); ++i) {
    const auto& h = p.from_headers(i);
    if (auto s = headerName(h.name(), absl::StrCat("from_headers[", i, "].name")); !s.ok())
      return s;
    if (!http::isValidHeaderValue(h.value_prefix())) {
      return invalid(absl::StrCat("from_headers[", i, "].value_prefix: invalid header value"));
    }
    out->from_headers.push_back({toLowerCopy(h.name()), h.value_prefix()});
  }
  for (int i = 0; i < p.from_params_size(); ++i) {
    if (p.from_params(i).empty()) return invalid(absl::StrCat("from_params[", i, "] is empty"));
    out->from_params.push_back(p.from_params(i));
  }
  for (int i = 0; i < p.from_cookies_size(); ++i) {
    if (p.from_cookies(i).empty()) return invalid(absl::StrCat("from_cookies[", i, "] is empty"));
    out->from_cookies.push_back(p.from_cookies(i));
  }
  out->forward = p.forward();
  if (!p.forward_payload_header().empty()) {
    if (auto s = headerName(p.forward_payload_header(), "forward_payload_header"); !s.ok())
      return s;
    out->forward_payload_header = toLowerCopy(p.forward_payload_header());
  }
  out->pad_forward_payload_header = p.pad_forward_payload_header();
  out->payload_in_metadata = p.payload_in_metadata();
  for (const auto& claim : p.normalize_payload_in_metadata().space_delimited_claims()) {
    out->space_delimited_claims.push_back(claim);
  }
  out->header_in_metadata = p.header_in_metadata();
  out->failed_status_in_metadata = p.failed_status_in_metadata();
  for (int i = 0; i < p.claim_to_headers_size(); ++i) {
    const auto& c = p.claim_to_headers(i);
    const std::string field = absl::StrCat("claim_to_headers[", i, "]");
    if (auto s = headerName(c.header_name(), field + ".header_name"); !s.ok()) return s;
    if (c.claim_name().empty()) return invalid(field + ".claim_name is empty");
    out->claim_to_headers.push_back({toLowerCopy(c.header_name()), c.claim_name()});
  }
  out->clear_route_cache = p.clear_route_cache();
  return out;
}

using ProviderIndex = absl::flat_hash_map<std::string, const JwtProviderConfig*>;

absl::StatusOr<std::shared_ptr<const Requirement>> translateRequirement(
    const v3::JwtRequirement& r, const ProviderIndex& providers);

absl::StatusOr<const JwtProviderConfig*> provider(const std::string& name,
                                                  const ProviderIndex& providers) {
  auto it = providers.find(name);
  if (it == providers.end()) {
    return invalid(absl::StrCat("Required provider ['", name, "'] is not configured."));
  }
  return it->second;
}

template <typename List>
absl::Status translateList(const List& list, std::string_view field, const ProviderIndex& providers,
                           Requirement* out) {
  if (list.requirements_size() < 2) {
    return invalid(absl::StrCat(toAbsl(field), " needs at least 2 requirements"));
  }
  for (int i = 0; i < list.requirements_size(); ++i) {
    auto child = translateRequirement(list.requirements(i), providers);
    if (!child.ok()) {
      return protobuf::withContext(child.status(),
                                   absl::StrCat(toAbsl(field), ".requirements[", i, "]"));
    }
    out->children.push_back(std::move(*child));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<const Requirement>> translateRequirement(
    const v3::JwtRequirement& r, const ProviderIndex& providers) {
  auto out = std::make_shared<Requirement>();
  switch (r.requires_type_case()) {
    case v3::JwtRequirement::kProviderName: {
      auto p = provider(r.provider_name(), providers);
      if (!p.ok()) return p.status();
      out->kind = Requirement::Kind::kProvider;
      out->provider = *p;
      break;
    }
    case v3::JwtRequirement::kProviderAndAudiences: {
      const auto& pa = r.provider_and_audiences();
      auto p = provider(pa.provider_name(), providers);
      if (!p.ok()) return p.status();
      out->kind = Requirement::Kind::kProvider;
      out->provider = *p;
      if (!pa.audiences().empty()) {
        out->audiences = std::make_shared<const AudienceChecker>(
            std::vector<std::string>(pa.audiences().begin(), pa.audiences().end()));
      }
      break;
    }
    case v3::JwtRequirement::kRequiresAny:
      out->kind = Requirement::Kind::kAny;
      if (auto s = translateList(r.requires_any(), "requires_any", providers, out.get()); !s.ok()) {
        return s;
      }
      break;
    case v3::JwtRequirement::kRequiresAll:
      out->kind = Requirement::Kind::kAll;
      if (auto s = translateList(r.requires_all(), "requires_all", providers, out.get()); !s.ok()) {
        return s;
      }
      break;
    case v3::JwtRequirement::kAllowMissing:
      out->kind = Requirement::Kind::kAllowMissing;
      break;
    case v3::JwtRequirement::kAllowMissingOrFailed:
      out->kind = Requirement::Kind::kAllowMissingOrFailed;
      break;
    default:
      out->kind = Requirement::Kind::kNone;
      break;
  }
  return std::shared_ptr<const Requirement>(std::move(out));
}

}  // namespace

const JwtProviderConfig* JwtAuthnConfig::findProvider(std::string_view name) const {
  auto it = providers_by_name_.find(toAbsl(name));
  return it == providers_by_name_.end() ? nullptr : it->second;
}

const Requirement* JwtAuthnConfig::requirementFor(const http::HeaderMap& headers) const {
  const std::string_view path = headers.path();
  for (const RequirementRule& rule : rules_) {
    if (rule.match.matches(headers, path, false)) return rule.requirement.get();
  }
  return nullptr;
}

const Requirement* JwtAuthnConfig::namedRequirement(std::string_view name) const {
  auto it = requirement_map_.find(toAbsl(name));
  return it == requirement_map_.end() ? nullptr : it->second.get();
}

absl::StatusOr<std::shared_ptr<const JwtAuthnConfig>> translateJwtAuthentication(
    const v3::JwtAuthentication& proto, uint32_t max_regex_program_size) {
  if (auto s = jwtAuthnFields().check(proto); !s.ok()) return protobuf::withContext(s, "jwt_authn");
  auto config = std::make_shared<JwtAuthnConfig>();
  // Providers in name order, so that everything derived from them is deterministic.
  std::vector<std::string> names;
  for (const auto& [name, unused] : proto.providers()) names.push_back(name);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    auto p = translateProvider(name, proto.providers().at(name), max_regex_program_size);
    if (!p.ok()) {
      return protobuf::withContext(p.status(), absl::StrCat("jwt_authn provider '", name, "'"));
    }
    config->providers_by_name_[name] = p->get();
    config->providers_.push_back(std::move(*p));
  }
  for (const auto& [name, r] : proto.requirement_map()) {
    auto req = translateRequirement(r, config->providers_by_name_);
    if (!req.ok()) {
      return protobuf::withContext(req.status(),
                                   absl::StrCat("jwt_authn requirement_map '", name, "'"));
    }
    config->requirement_map_[name] = std::move(*req);
  }
  for (int i = 0; i < proto.rules_size(); ++i) {
    const auto& rule = proto.rules(i);
    const std::string where = absl::StrCat("jwt_authn rules[", i, "]");
    if (!rule.has_match()) return invalid(where + ": match is required");
    auto match = route::translateRouteMatch(rule.match(), max_regex_program_size);
    if (!match.ok()) return protobuf::withContext(match.status(), where);
    std::shared_ptr<const Requirement> requirement;
    if (rule.has_requires_()) {
      auto req = translateRequirement(rule.requires_(), config->providers_by_name_);
      if (!req.ok()) return protobuf::withContext(req.status(), where + ".requires");
      requirement = std::move(*req);
    } else if (!rule.requirement_name().empty()) {
      auto it = config->requirement_map_.find(rule.requirement_name());
      if (it == config->requirement_map_.end()) {
        return invalid(absl::StrCat(where, ": requirement_name '", rule.requirement_name(),
                                    "' is not in requirement_map"));
      }
      requirement = it->second;
    }
    config->rules_.push_back(RequirementRule{std::move(*match), std::move(requirement)});
  }
  config->bypass_cors_preflight = proto.bypass_cors_preflight();
  config->strip_failure_response = proto.strip_failure_response();
  return std::shared_ptr<const JwtAuthnConfig>(std::move(config));
}

absl::StatusOr<JwtPerRouteConfig> translateJwtPerRoute(const v3::PerRouteConfig& proto) {
  if (auto s = jwtAuthnFields().check(proto); !s.ok()) {
    return protobuf::withContext(s, "jwt_authn per-route config");
  }
  JwtPerRouteConfig out;
  switch (proto.requirement_specifier_case()) {
    case v3::PerRouteConfig::kDisabled:
      if (!proto.disabled()) return invalid("jwt_authn per-route config: disabled must be true");
      out.disabled = true;
      return out;
    case v3::PerRouteConfig::kRequirementName:
      if (proto.requirement_name().empty()) {
        return invalid("jwt_authn per-route config: requirement_name must not be empty");
      }
      out.requirement_name = proto.requirement_name();
      return out;
    default:
      return invalid("jwt_authn per-route config: disabled or requirement_name is required");
  }
}

}  // namespace meshproxy::filters::jwt_authn
