#include "proxy/filters/http/grpc_stats/grpc_stats_filter.h"

#include <chrono>

#include "envoy/extensions/filters/http/grpc_stats/v3/config.pb.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/recycled.h"
#include "proxy/core/worker_context.h"
#include "proxy/http/local_reply.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::filters::grpc_stats {

const protobuf::SupportedFields& grpcStatsSupportedFields() {
  static const protobuf::SupportedFields fields = {
      // emit_filter_state is refused when true (createGrpcStatsFactory): no filter state here.
      {"envoy.extensions.filters.http.grpc_stats.v3.FilterConfig",
       {"emit_filter_state", "individual_method_stats_allowlist", "stats_for_all_methods",
        "enable_upstream_stats", "replace_dots_in_grpc_service_name"}},
      {"envoy.config.core.v3.GrpcMethodList", {"services"}},
      {"envoy.config.core.v3.GrpcMethodList.Service", {"name", "method_names"}},
  };
  return fields;
}

absl::StatusOr<http::HttpFilterFactory> createGrpcStatsFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  using envoy::extensions::filters::http::grpc_stats::v3::FilterConfig;
  auto proto = protobuf::unpackAny<FilterConfig>(typed_config, "grpc_stats");
  if (!proto.ok()) return proto.status();
  if (auto s = grpcStatsSupportedFields().check(*proto); !s.ok()) {
    return protobuf::withContext(s, "grpc_stats");
  }
  if (proto->emit_filter_state()) {
    return absl::InvalidArgumentError(
        "grpc_stats: emit_filter_state is not implemented (meshproxy keeps no filter state)");
  }
  auto config = std::make_shared<GrpcStatsConfig>(context.stats, std::max(context.concurrency, 1u));
  config->enable_upstream_stats = proto->enable_upstream_stats();
  config->replace_dots_in_grpc_service_name = proto->replace_dots_in_grpc_service_name();
  if (proto->has_individual_method_stats_allowlist()) {
    config->mode = GrpcStatsConfig::Mode::kAllowlist;
    for (const auto& service : proto->individual_method_stats_allowlist().services()) {
      for (const auto& method : service.method_names()) {
        config->allowlist.insert(service.name() + "/" + method);
      }
    }
  } else if (proto->has_stats_for_all_methods() && proto->stats_for_all_methods().value()) {
    config->mode = GrpcStatsConfig::Mode::kAllMethods;
  }
  return http::HttpFilterFactory(
      [config = std::shared_ptr<const GrpcStatsConfig>(config)](http::FilterChainBuilder& builder) {
        builder.addStreamFilter(
            std::allocate_shared<GrpcStatsFilter>(RecyclingAllocator<GrpcStatsFilter>(), *config));
      });
}

http::FilterHeadersStatus GrpcStatsFilter::decodeHeaders(http::HeaderMap& headers, bool) {
  grpc_request_ = http::isGrpcRequest(headers);
  if (grpc_request_) path_ = headers.path();
  return http::FilterHeadersStatus::kContinue;
}

http::FilterDataStatus GrpcStatsFilter::decodeData(Buffer& data, bool) {
  if (grpc_request_) {
    request_frames_.inspect(data);
    chargeMessages();
  }
  return http::FilterDataStatus::kContinue;
}

http::FilterHeadersStatus GrpcStatsFilter::encodeHeaders(http::HeaderMap& headers,
                                                         bool end_stream) {
  if (!grpc_request_) return http::FilterHeadersStatus::kContinue;
  grpc_response_ = http::isGrpcRequest(headers);  // the same content-type rule
  if (GrpcCallStats* s = stats(); s != nullptr) {
    // A trailers-only response carries its grpc-status here.
    if (auto status = headers.get("grpc-status"); status.has_value()) {
      GrpcStatsConfig::chargeStatus(*s, *status);
    }
  }
  chargeMessages();
  if (end_stream) onResponseComplete();
  return http::FilterHeadersStatus::kContinue;
}

http::FilterDataStatus GrpcStatsFilter::encodeData(Buffer& data, bool end_stream) {
  if (!grpc_request_) return http::FilterDataStatus::kContinue;
  if (grpc_response_) response_frames_.inspect(data);
  chargeMessages();
  if (end_stream) onResponseComplete();
  return http::FilterDataStatus::kContinue;
}

http::FilterTrailersStatus GrpcStatsFilter::encodeTrailers(http::HeaderMap& trailers) {
  if (!grpc_request_) return http::FilterTrailersStatus::kContinue;
  if (GrpcCallStats* s = stats(); s != nullptr) {
    if (auto status = trailers.get("grpc-status"); status.has_value()) {
      GrpcStatsConfig::chargeStatus(*s, *status);
    }
  }
  chargeMessages();
  onResponseComplete();
  return http::FilterTrailersStatus::kContinue;
}

void GrpcStatsFilter::onDestroy() {
  if (grpc_request_) chargeMessages();
}

GrpcCallStats* GrpcStatsFilter::stats() {
  if (!resolved_) {
    std::string_view cluster = decoder_callbacks_->streamInfo().upstream_cluster;
    if (cluster.empty()) return nullptr;  // the router has not chosen one (yet)
    resolved_ = true;
    stats_ = config_.statsFor(decoder_callbacks_->worker().index, cluster, path_);
  }
  return stats_;
}

void GrpcStatsFilter::chargeMessages() {
  GrpcCallStats* s = stats();
  if (s == nullptr) return;
  if (uint64_t n = request_frames_.frameCount(); n > request_charged_) {
    s->request_message_count.add(n - request_charged_);
    request_charged_ = n;
  }
  if (uint64_t n = response_frames_.frameCount(); n > response_charged_) {
    s->response_message_count.add(n - response_charged_);
    response_charged_ = n;
  }
}

// enable_upstream_stats: the router's measure of the upstream request (from its start to the
// end of the response), once per call.
void GrpcStatsFilter::onResponseComplete() {
  GrpcCallStats* s = stats();
  if (s == nullptr || s->upstream_rq_time == nullptr || upstream_time_charged_) return;
  const auto& duration = decoder_callbacks_->streamInfo().upstream_request_duration;
  if (!duration.has_value()) return;
  upstream_time_charged_ = true;
  s->upstream_rq_time->record(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(*duration).count()));
}

}  // namespace meshproxy::filters::grpc_stats
