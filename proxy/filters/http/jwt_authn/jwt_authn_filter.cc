#include "proxy/filters/http/jwt_authn/jwt_authn_filter.h"

#include <google/protobuf/struct.pb.h>

#include <algorithm>
#include <chrono>

#include "envoy/extensions/filters/http/jwt_authn/v3/config.pb.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/log.h"
#include "proxy/core/worker_context.h"
#include "proxy/filters/http/jwt_authn/jwt_outputs.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::jwt_authn {

namespace v3 = envoy::extensions::filters::http::jwt_authn::v3;

JwtAuthnFilterConfig::JwtAuthnFilterConfig(std::shared_ptr<const JwtAuthnConfig> config,
                                           JwtAuthnStats stats, uint32_t workers)
    : config_(std::move(config)),
      verifier_(*config_),
      stats_(stats),
      workers_(std::max<uint32_t>(workers, 1)) {}

RemoteJwksFetcher* JwtAuthnFilterConfig::fetcher(uint32_t worker_index,
                                                 const JwtProviderConfig& provider) const {
  if (worker_index >= workers_.size() || !provider.remote_jwks) return nullptr;
  std::shared_ptr<RemoteJwksFetcher>& slot = workers_[worker_index][&provider];
  if (slot == nullptr)
    slot = std::make_shared<RemoteJwksFetcher>(*provider.remote_jwks, stats_.jwks);
  return slot.get();
}

std::shared_ptr<const Jwks> JwtAuthnFilter::find(const JwtProviderConfig& provider) const {
  if (provider.local_jwks) return provider.local_jwks;
  WorkerContext& worker = callbacks_->worker();
  RemoteJwksFetcher* fetcher = config_->fetcher(worker.index, provider);
  if (fetcher == nullptr) return nullptr;
  return fetcher->keysFor(worker, RemoteJwksFetcher::Clock::now());
}

http::FilterHeadersStatus JwtAuthnFilter::decodeHeaders(http::HeaderMap& headers, bool) {
  headers_ = &headers;
  if (const auto* per_route =
          dynamic_cast<const JwtAuthnPerRouteConfig*>(callbacks_->mostSpecificPerFilterConfig())) {
    per_route_ = &per_route->config();
  }
  in_decode_headers_ = true;
  const http::FilterHeadersStatus status = verify();
  in_decode_headers_ = false;
  return status;
}

http::FilterHeadersStatus JwtAuthnFilter::verify() {
  const JwtAuthnFilterConfig& filter_config = *config_;
  const uint64_t now_seconds =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  JwtAuthnRequestContext context{
      filter_config.config(),  filter_config.verifier(), *this, per_route_, now_seconds,
      may_refetch_unknown_kid_};
  google::protobuf::Struct metadata;
  JwtAuthnOutcome outcome = authenticateRequest(context, *headers_, metadata);
  switch (outcome.kind) {
    case JwtAuthnOutcome::Kind::kContinue:
      state_ = State::kDone;
      allowed_ = true;
      if (outcome.cors_preflight_bypassed) {
        filter_config.stats().cors_preflight_bypassed.inc();
      } else {
        filter_config.stats().allowed.inc();
      }
      if (metadata.fields_size() > 0) {
        callbacks_->streamInfo().dynamic_metadata.merge(kJwtAuthnMetadataNamespace, metadata);
      }
      if (outcome.clear_route_cache) callbacks_->clearRouteCache();
      return http::FilterHeadersStatus::kContinue;
    case JwtAuthnOutcome::Kind::kDeny:
      deny(outcome);
      return http::FilterHeadersStatus::kStopIteration;
    case JwtAuthnOutcome::Kind::kFetchJwks:
      if (!fetchJwks(outcome)) {
        return state_ == State::kDone ? http::FilterHeadersStatus::kStopIteration : verify();
      }
      // A fetch that could not start (no cluster, no host) ended at once and verification ran
      // again inside fetch(): its result stands.
      if (state_ == State::kDone && allowed_) return http::FilterHeadersStatus::kContinue;
      return http::FilterHeadersStatus::kStopIteration;
  }
  return http::FilterHeadersStatus::kStopIteration;
}

bool JwtAuthnFilter::fetchJwks(const JwtAuthnOutcome& outcome) {
  WorkerContext& worker = callbacks_->worker();
  const auto now = RemoteJwksFetcher::Clock::now();
  const bool unknown_kid = outcome.status == JwtStatus::kJwksKidAlgMismatch;
  std::vector<RemoteJwksFetcher*> to_fetch;
  for (const JwtProviderConfig* provider : outcome.fetch) {
    RemoteJwksFetcher* fetcher = config_->fetcher(worker.index, *provider);
    const bool already = std::find(fetched_.begin(), fetched_.end(), fetcher) != fetched_.end();
    if (unknown_kid) {
      // The issuer may have rotated its keys: one refetch, throttled per worker.
      if (fetcher != nullptr && !already && fetcher->shouldRefetchForUnknownKid(now)) {
        to_fetch.push_back(fetcher);
      }
      continue;
    }
    if (fetcher == nullptr || already || fetcher->failedRecently(now)) {
      // The keys could not be had: "Jwks remote fetch is failed", as Envoy answers.
      deny(denyOutcome(config_->config(), *headers_, JwtStatus::kJwksFetchFail));
      return false;
    }
    to_fetch.push_back(fetcher);
  }
  if (to_fetch.empty()) {
    // No refetch for the unknown kid: verify once more without asking, which fails the token.
    may_refetch_unknown_kid_ = false;
    return false;
  }
  pending_fetches_ = static_cast<uint32_t>(to_fetch.size());
  for (RemoteJwksFetcher* fetcher : to_fetch) fetched_.push_back(fetcher);
  state_ = State::kWaiting;
  for (RemoteJwksFetcher* fetcher : to_fetch) {
    fetcher->fetch(worker, this);
    // A fetch that could not start ended at once (onJwksFetchDone) and may have answered.
    if (state_ != State::kWaiting) break;
  }
  return true;
}

void JwtAuthnFilter::onJwksFetchDone() {
  if (state_ != State::kWaiting || pending_fetches_ == 0) return;
  if (--pending_fetches_ > 0) return;
  state_ = State::kInit;
  const bool resumed = verify() == http::FilterHeadersStatus::kContinue;
  // Inside decodeHeaders (a fetch that ended before fetch() returned), decodeHeaders' return
  // value carries the result; afterwards the stopped request is resumed.
  if (resumed && !in_decode_headers_) callbacks_->continueDecoding();
}

void JwtAuthnFilter::deny(const JwtAuthnOutcome& outcome) {
  state_ = State::kDone;
  config_->stats().denied.inc();
  log::debug("jwt_authn: request denied ({})", outcome.details);
  http::LocalReplyOptions options;
  if (!outcome.www_authenticate.empty()) {
    options.modify_headers = [value = outcome.www_authenticate](http::HeaderMap& headers) {
      headers.set("www-authenticate", value);
    };
  }
  callbacks_->sendLocalReply(outcome.http_status, outcome.body, outcome.details, options);
}

http::FilterDataStatus JwtAuthnFilter::decodeData(Buffer&, bool) {
  return state_ == State::kWaiting ? http::FilterDataStatus::kStopIterationAndWatermark
                                   : http::FilterDataStatus::kContinue;
}

http::FilterTrailersStatus JwtAuthnFilter::decodeTrailers(http::HeaderMap&) {
  return state_ == State::kWaiting ? http::FilterTrailersStatus::kStopIteration
                                   : http::FilterTrailersStatus::kContinue;
}

void JwtAuthnFilter::onDestroy() {
  for (RemoteJwksFetcher* fetcher : fetched_) fetcher->removeWaiter(this);
  fetched_.clear();
  state_ = State::kDone;
}

absl::StatusOr<http::HttpFilterFactory> createJwtAuthnFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<v3::JwtAuthentication>(typed_config, "jwt_authn");
  if (!proto.ok()) return proto.status();
  auto translated = translateJwtAuthentication(*proto);
  if (!translated.ok()) return protobuf::withContext(translated.status(), "jwt_authn");
  const stats::Scope scope =
      context.stats.scope("http", context.http_stat_prefix).scope("jwt_authn");
  JwtAuthnStats stats{
      scope.counter("allowed"), scope.counter("denied"), scope.counter("cors_preflight_bypassed"),
      JwksFetchStats{scope.counter("jwks_fetch_success"), scope.counter("jwks_fetch_failed")}};
  auto config = std::make_shared<const JwtAuthnFilterConfig>(std::move(*translated), stats,
                                                             context.concurrency);
  return http::HttpFilterFactory([config](http::FilterChainBuilder& builder) {
    builder.addDecoderFilter(std::make_shared<JwtAuthnFilter>(config));
  });
}

absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createJwtAuthnPerRouteConfig(
    const google::protobuf::Any& typed_config) {
  auto proto = protobuf::unpackAny<v3::PerRouteConfig>(typed_config, "jwt_authn per-route config");
  if (!proto.ok()) return proto.status();
  auto config = translateJwtPerRoute(*proto);
  if (!config.ok()) return config.status();
  return std::make_shared<const JwtAuthnPerRouteConfig>(std::move(*config));
}

}  // namespace meshproxy::filters::jwt_authn
