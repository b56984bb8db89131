#include "proxy/filters/http/ext_authz/ext_authz_filter.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "envoy/extensions/filters/http/ext_authz/v3/ext_authz.pb.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/log.h"
#include "proxy/core/strings.h"
#include "proxy/core/worker_context.h"
#include "proxy/filters/http/ext_authz/grpc_authz_client.h"
#include "proxy/filters/http/ext_authz/http_authz_client.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::filters::ext_authz {

namespace v3 = envoy::extensions::filters::http::ext_authz::v3;

ExtAuthzFilter::ExtAuthzFilter(std::shared_ptr<const ExtAuthzFilterConfig> config)
    : config_(std::move(config)) {}

ExtAuthzFilter::~ExtAuthzFilter() = default;

http::FilterHeadersStatus ExtAuthzFilter::decodeHeaders(http::HeaderMap& headers, bool end_stream) {
  headers_ = &headers;
  const ExtAuthzConfig& config = *config_->config;
  if (const auto* per_route =
          dynamic_cast<const ExtAuthzPerRoute*>(decoder_->mostSpecificPerFilterConfig())) {
    per_route_ = &per_route->config();
  }
  if (per_route_ != nullptr && per_route_->disabled) {
    state_ = State::kDone;
    return http::FilterHeadersStatus::kContinue;
  }
  if (per_route_ != nullptr && per_route_->with_request_body) {
    body_settings_ = &*per_route_->with_request_body;
  } else if (config.with_request_body &&
             (per_route_ == nullptr || !per_route_->disable_request_body_buffering)) {
    body_settings_ = &*config.with_request_body;
  }
  if (body_settings_ != nullptr && !end_stream) {
    state_ = State::kBuffering;
    stopped_ = true;
    return http::FilterHeadersStatus::kStopIteration;
  }
  startCheck(nullptr);
  if (state_ == State::kCalling) {
    stopped_ = true;
    return http::FilterHeadersStatus::kStopIteration;
  }
  return allowed_ ? http::FilterHeadersStatus::kContinue
                  : http::FilterHeadersStatus::kStopIteration;
}

http::FilterDataStatus ExtAuthzFilter::decodeData(Buffer& data, bool end_stream) {
  if (state_ == State::kBuffering) {
    const Buffer* held = decoder_->decodingBuffer();
    const uint64_t total = (held != nullptr ? held->length() : 0) + data.length();
    const BodySettings& body = *body_settings_;
    if (!body.allow_partial_message && total > body.max_request_bytes) {
      // Envoy lowers the stream's buffer limit to max_request_bytes: the connection manager's
      // 413 for a body over it.
      state_ = State::kDone;
      decoder_->sendLocalReply(413, "Payload Too Large", "request_payload_too_large");
      return http::FilterDataStatus::kStopIterationNoBuffer;
    }
    if (!end_stream && !(body.allow_partial_message && total >= body.max_request_bytes)) {
      return http::FilterDataStatus::kStopIterationAndBuffer;
    }
    startCheck(&data);
    if (state_ == State::kCalling) return http::FilterDataStatus::kStopIterationAndWatermark;
    return allowed_ ? http::FilterDataStatus::kContinue
                    : http::FilterDataStatus::kStopIterationNoBuffer;
  }
  return state_ == State::kCalling ? http::FilterDataStatus::kStopIterationAndWatermark
                                   : http::FilterDataStatus::kContinue;
}

http::FilterTrailersStatus ExtAuthzFilter::decodeTrailers(http::HeaderMap&) {
  if (state_ == State::kBuffering) startCheck(nullptr);  // the body ended without end_stream
  if (state_ == State::kCalling || !allowed_) return http::FilterTrailersStatus::kStopIteration;
  return http::FilterTrailersStatus::kContinue;
}

void ExtAuthzFilter::startCheck(const Buffer* pending_chunk) {
  const ExtAuthzConfig& config = *config_->config;
  CheckInput input;
  input.headers = headers_;
  input.connection = &decoder_->connection();
  input.info = &decoder_->streamInfo();
  if (body_settings_ != nullptr) {
    if (const Buffer* held = decoder_->decodingBuffer(); held != nullptr) {
      input.body = held->toString();
    }
    if (pending_chunk != nullptr) input.body += pending_chunk->toString();
    if (input.body.size() > body_settings_->max_request_bytes) {
      input.body.resize(body_settings_->max_request_bytes);
    }
  }
  uint64_t content_length = 0;
  if (auto cl = headers_->get("content-length");
      cl && absl::SimpleAtoi(toAbsl(*cl), &content_length)) {
    input.body_size = content_length;
  } else {
    input.body_size = input.body.size();
  }
  if (per_route_ != nullptr) input.context_extensions = &per_route_->context_extensions;
  if (client_ == nullptr) {
    if (config.http) {
      client_ = std::make_unique<HttpAuthzClient>(config);
    } else {
      client_ = std::make_unique<GrpcAuthzClient>(config);
    }
  }
  state_ = State::kCalling;
  in_check_call_ = true;
  client_->check(decoder_->worker(), input, *this);
  in_check_call_ = false;
}

void ExtAuthzFilter::onAuthzComplete(AuthzResponse&& response) {
  if (state_ != State::kCalling) return;
  state_ = State::kDone;
  const ExtAuthzConfig& config = *config_->config;
  const ExtAuthzStats& stats = config_->stats;
  switch (response.status) {
    case AuthzResponse::Status::kOk:
      stats.ok.inc();
      allow(response);
      break;
    case AuthzResponse::Status::kDenied: {
      stats.denied.inc();
      http::LocalReplyOptions options;
      if (!response.denied_headers.empty()) {
        options.modify_headers = [headers =
                                      std::move(response.denied_headers)](http::HeaderMap& reply) {
          for (const auto& [name, value] : headers) {
            if (name.starts_with(':') || name == "content-length") continue;
            reply.set(name, value);
          }
        };
      }
      decoder_->sendLocalReply(response.http_status, response.body, "ext_authz_denied", options);
      return;
    }
    case AuthzResponse::Status::kError:
      stats.error.inc();
      log::debug("ext_authz: check failed: {}", response.error);
      if (!config.failure_mode_allow) {
        decoder_->sendLocalReply(config.status_on_error, "", "ext_authz_error");
        return;
      }
      stats.failure_mode_allowed.inc();
      if (config.failure_mode_allow_header_add) {
        headers_->set("x-envoy-auth-failure-mode-allowed", "true");
      }
      allowed_ = true;
      break;
  }
  if (allowed_ && stopped_ && !in_check_call_) decoder_->continueDecoding();
}

void ExtAuthzFilter::allow(AuthzResponse& response) {
  allowed_ = true;
  bool changed = false;
  for (const auto& [name, value] : response.headers_to_set) {
    headers_->set(name, value);
    changed = true;
  }
  for (const auto& [name, value] : response.headers_to_append) {
    headers_->add(name, value);
    changed = true;
  }
  for (const auto& name : response.headers_to_remove) {
    // Pseudo-headers and the host stay: the request could not be routed without them.
    if (name.starts_with(':') || name == "host") continue;
    changed |= headers_->remove(name) > 0;
  }
  response_headers_to_add_ = std::move(response.response_headers_to_add);
  if (response.dynamic_metadata.fields_size() > 0) {
    decoder_->streamInfo().dynamic_metadata.merge(kExtAuthzMetadataNamespace,
                                                  response.dynamic_metadata);
  }
  if (changed && config_->config->clear_route_cache) decoder_->clearRouteCache();
}

http::FilterHeadersStatus ExtAuthzFilter::encodeHeaders(http::HeaderMap& headers, bool) {
  for (const auto& [name, value] : response_headers_to_add_) headers.add(name, value);
  return http::FilterHeadersStatus::kContinue;
}

void ExtAuthzFilter::onDestroy() {
  if (client_ != nullptr) client_->cancel();
  state_ = State::kDone;
}

absl::StatusOr<http::HttpFilterFactory> createExtAuthzFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<v3::ExtAuthz>(typed_config, "ext_authz");
  if (!proto.ok()) return proto.status();
  auto config = translateExtAuthz(*proto);
  if (!config.ok()) return config.status();
  stats::Scope scope = context.stats.scope("http", context.http_stat_prefix).scope("ext_authz");
  if (!(*config)->stat_prefix.empty()) scope = scope.scope((*config)->stat_prefix);
  auto filter_config = std::make_shared<const ExtAuthzFilterConfig>(ExtAuthzFilterConfig{
      *config, ExtAuthzStats{scope.counter("ok"), scope.counter("denied"), scope.counter("error"),
                             scope.counter("failure_mode_allowed"), scope.counter("disabled")}});
  return http::HttpFilterFactory([filter_config](http::FilterChainBuilder& builder) {
    builder.addStreamFilter(std::make_shared<ExtAuthzFilter>(filter_config));
  });
}

absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createExtAuthzPerRouteConfig(
    const google::protobuf::Any& typed_config) {
  auto proto =
      protobuf::unpackAny<v3::ExtAuthzPerRoute>(typed_config, "ext_authz per-route config");
  if (!proto.ok()) return proto.status();
  auto config = translateExtAuthzPerRoute(*proto);
  if (!config.ok()) return config.status();
  return std::make_shared<const ExtAuthzPerRoute>(std::move(*config));
}

}  // namespace meshproxy::filters::ext_authz
