#pragma once

#include <google/protobuf/any.pb.h>

#include <memory>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/filters/http/jwt_authn/jwt_authn_config.h"
#include "proxy/filters/http/jwt_authn/jwt_authn_request.h"
#include "proxy/filters/http/jwt_authn/remote_jwks_fetcher.h"
#include "proxy/filters/http/jwt_authn/requirement_verifier.h"
#include "proxy/http/filter.h"
#include "proxy/http/route_config.h"

// envoy.filters.http.jwt_authn: the HTTP filter over the JWT core (jwt_authn_request.h). It
// picks the route's PerRouteConfig, verifies in decodeHeaders, waits for remote JWKS fetches
// (remote_jwks_fetcher.h) with the request stopped, then continues with the verified tokens'
// headers and dynamic metadata ("envoy.filters.http.jwt_authn", which RBAC's `metadata`
// principals read) or answers 401/403.
namespace meshproxy::filters::jwt_authn {

// http.<stat_prefix>.jwt_authn.*, Envoy's names.
struct JwtAuthnStats {
  stats::Counter& allowed;
  stats::Counter& denied;
  stats::Counter& cors_preflight_bypassed;
  JwksFetchStats jwks;
};

// The translated filter config, shared by every worker, plus each worker's remote JWKS
// fetchers (slot = worker index; only that worker touches its slot).
class JwtAuthnFilterConfig {
 public:
  JwtAuthnFilterConfig(std::shared_ptr<const JwtAuthnConfig> config, JwtAuthnStats stats,
                       uint32_t workers);

  const JwtAuthnConfig& config() const { return *config_; }
  const RequirementVerifier& verifier() const { return verifier_; }
  const JwtAuthnStats& stats() const { return stats_; }
  // The provider's fetcher on `worker_index`, made on first use; nullptr for an index past the
  // workers the config was built for (the request then fails closed).
  RemoteJwksFetcher* fetcher(uint32_t worker_index, const JwtProviderConfig& provider) const;

 private:
  using Fetchers =
      absl::flat_hash_map<const JwtProviderConfig*, std::shared_ptr<RemoteJwksFetcher>>;
  std::shared_ptr<const JwtAuthnConfig> config_;
  RequirementVerifier verifier_;
  JwtAuthnStats stats_;
  // Mutable per-worker state behind a const config: each slot is written by its worker only.
  mutable std::vector<Fetchers> workers_;
};

// PerRouteConfig as typed_per_filter_config.
class JwtAuthnPerRouteConfig : public http::RouteSpecificFilterConfig {
 public:
  explicit JwtAuthnPerRouteConfig(JwtPerRouteConfig config) : config_(std::move(config)) {}
  const JwtPerRouteConfig& config() const { return config_; }

 private:
  JwtPerRouteConfig config_;
};

class JwtAuthnFilter : public http::StreamDecoderFilter,
                       private JwksFetchWaiter,
                       private JwksLookup {
 public:
  explicit JwtAuthnFilter(std::shared_ptr<const JwtAuthnFilterConfig> config)
      : config_(std::move(config)) {}

  void setDecoderFilterCallbacks(http::StreamDecoderFilterCallbacks& callbacks) override {
    callbacks_ = &callbacks;
  }
  http::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  http::FilterDataStatus decodeData(Buffer& data, bool end_stream) override;
  http::FilterTrailersStatus decodeTrailers(http::HeaderMap& trailers) override;
  void onDestroy() override;

 private:
  enum class State : uint8_t { kInit, kWaiting, kDone };

  // One pass of verification; kContinue when the request may go on now.
  http::FilterHeadersStatus verify();
  // Starts the fetches `outcome` asks for; false when none can start (the request is denied).
  bool fetchJwks(const JwtAuthnOutcome& outcome);
  void deny(const JwtAuthnOutcome& outcome);
  void onJwksFetchDone() override;
  std::shared_ptr<const Jwks> find(const JwtProviderConfig& provider) const override;

  std::shared_ptr<const JwtAuthnFilterConfig> config_;
  http::StreamDecoderFilterCallbacks* callbacks_ = nullptr;
  http::HeaderMap* headers_ = nullptr;
  const JwtPerRouteConfig* per_route_ = nullptr;
  State state_ = State::kInit;
  bool may_refetch_unknown_kid_ = true;
  bool in_decode_headers_ = false;
  bool allowed_ = false;
  uint32_t pending_fetches_ = 0;
  // Fetchers this request waited for (at most one fetch each per request).
  std::vector<RemoteJwksFetcher*> fetched_;
};

// JwtAuthentication typed_config -> per-stream factory.
absl::StatusOr<http::HttpFilterFactory> createJwtAuthnFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);
// PerRouteConfig typed_per_filter_config.
absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createJwtAuthnPerRouteConfig(
    const google::protobuf::Any& typed_config);

}  // namespace meshproxy::filters::jwt_authn
