#include "proxy/filters/http/cache/cache_filter.h"

#include <chrono>

#include "envoy/extensions/filters/http/cache/v3/cache.pb.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/worker_context.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::cache {

namespace v3 = envoy::extensions::filters::http::cache::v3;

namespace {

SystemTime now() { return std::chrono::system_clock::now(); }

}  // namespace

PerWorkerCaches::PerWorkerCaches(uint32_t workers) {
  caches_.reserve(workers);
  for (uint32_t i = 0; i < workers; ++i) caches_.push_back(std::make_unique<SimpleHttpCache>());
}

http::FilterHeadersStatus CacheFilter::decodeHeaders(http::HeaderMap& headers, bool) {
  cache_ = config_->caches->forWorker(decoder_->worker().index);
  if (cache_ == nullptr) return http::FilterHeadersStatus::kContinue;
  lookup_ = lookupRequest(*config_->config, *cache_, headers, now(), config_->stats);
  switch (lookup_.outcome) {
    case LookupOutcome::kHit:
      decoder_->streamInfo().response_code_details = "cache_hit";
      serve(*lookup_.entry);
      return http::FilterHeadersStatus::kStopIteration;
    case LookupOutcome::kOnlyIfCachedMiss:
      // RFC 9111 5.2.1.7: only-if-cached and nothing usable stored.
      decoder_->sendLocalReply(504, "", "cache_only_if_cached_miss");
      return http::FilterHeadersStatus::kStopIteration;
    default:
      return http::FilterHeadersStatus::kContinue;
  }
}

void CacheFilter::serve(const CachedResponse& entry) {
  serving_ = true;
  const bool headers_only = lookup_.head || (entry.body.empty() && entry.trailers.empty());
  decoder_->encodeHeaders(std::make_unique<http::HeaderMap>(servedHeaders(entry, now())),
                          headers_only);
  if (headers_only) return;
  Buffer body;
  body.add(entry.body);
  decoder_->encodeData(body, entry.trailers.empty());
  if (!entry.trailers.empty()) {
    decoder_->encodeTrailers(std::make_unique<http::HeaderMap>(entry.trailers));
  }
}

http::FilterHeadersStatus CacheFilter::encodeHeaders(http::HeaderMap& headers, bool end_stream) {
  if (serving_ || cache_ == nullptr) return http::FilterHeadersStatus::kContinue;
  const http::HeaderMap* request = decoder_->requestHeaders();
  if (request == nullptr) return http::FilterHeadersStatus::kContinue;
  ResponseDecision d =
      onResponseHeaders(*config_->config, *cache_, lookup_, *request, headers, now());
  switch (d.outcome) {
    case ResponseOutcome::kServeCached: {
      // The upstream's 304 to our validation: the client, which sent no validator, gets the
      // refreshed stored response in its place.
      serving_ = true;
      headers = servedHeaders(*d.serve, now());
      if (!lookup_.head && !d.serve->body.empty()) {
        Buffer body;
        body.add(d.serve->body);
        // From encodeHeaders of a headers-only response, this makes it headers + body.
        encoder_->addEncodedData(body, /*streaming=*/false);
      }
      return http::FilterHeadersStatus::kContinue;
    }
    case ResponseOutcome::kStore:
      pending_.emplace();
      pending_->headers = headers;
      pending_->response_time = now();
      if (end_stream) finishStore();
      return http::FilterHeadersStatus::kContinue;
    case ResponseOutcome::kPassThrough:
      return http::FilterHeadersStatus::kContinue;
  }
  return http::FilterHeadersStatus::kContinue;
}

http::FilterDataStatus CacheFilter::encodeData(Buffer& data, bool end_stream) {
  if (!pending_) return http::FilterDataStatus::kContinue;
  // The client gets the body as it comes; the store gets a copy, up to max_body_bytes (and the
  // store's own bound, checked at insert).
  if (!bodyFits(*config_->config, pending_->body.size() + data.length()) ||
      pending_->body.size() + data.length() > SimpleHttpCache::kDefaultMaxBytes) {
    pending_.reset();
    return http::FilterDataStatus::kContinue;
  }
  data.forEachSlice([&](std::string_view s) { pending_->body.append(s); });
  if (end_stream) finishStore();
  return http::FilterDataStatus::kContinue;
}

http::FilterTrailersStatus CacheFilter::encodeTrailers(http::HeaderMap& trailers) {
  if (pending_) {
    pending_->trailers = trailers;
    finishStore();
  }
  return http::FilterTrailersStatus::kContinue;
}

void CacheFilter::finishStore() {
  const http::HeaderMap* request = decoder_->requestHeaders();
  if (request != nullptr && cache_ != nullptr) {
    finishInsert(*cache_, lookup_, *request, std::move(*pending_), config_->stats);
  }
  pending_.reset();
}

void CacheFilter::onDestroy() {
  // A response cut short (reset) is not stored.
  pending_.reset();
  lookup_.entry.reset();
}

absl::StatusOr<http::HttpFilterFactory> createCacheFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<v3::CacheConfig>(typed_config, "cache");
  if (!proto.ok()) return proto.status();
  auto config = translateCacheConfig(*proto);
  if (!config.ok()) return config.status();
  const stats::Scope scope = context.stats.scope("http", context.http_stat_prefix).scope("cache");
  auto filter_config = std::make_shared<const CacheFilterConfig>(CacheFilterConfig{
      .config = *config,
      .caches = std::make_shared<const PerWorkerCaches>(std::max<uint32_t>(context.concurrency, 1)),
      .stats = {.hit = &scope.counter("hit"),
                .miss = &scope.counter("miss"),
                .validate = &scope.counter("validate"),
                .uncacheable = &scope.counter("uncacheable"),
                .insert = &scope.counter("insert")}});
  return http::HttpFilterFactory([filter_config](http::FilterChainBuilder& builder) {
    builder.addStreamFilter(std::make_shared<CacheFilter>(filter_config));
  });
}

}  // namespace meshproxy::filters::cache
