#include "proxy/filters/http/fault/fault_filter.h"

#include <google/protobuf/struct.pb.h>

#include "absl/strings/str_cat.h"
#include "envoy/extensions/filters/http/fault/v3/fault.pb.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/worker_context.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/route/route.h"

namespace meshproxy::filters::fault {

namespace v3 = envoy::extensions::filters::http::fault::v3;

namespace {

constexpr char kFaultMetadataNamespace[] = "envoy.filters.http.fault";

class WorkerRandom final : public RandomSource {
 public:
  explicit WorkerRandom(std::mt19937_64& engine) : engine_(engine) {}
  uint64_t next() override { return engine_(); }

 private:
  std::mt19937_64& engine_;
};

absl::Status refuseResponseRateLimit(const v3::HTTPFault& proto, const char* where) {
  if (!proto.has_response_rate_limit()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(where,
                   ": response_rate_limit is not implemented (the HTTP filter API has no "
                   "paced re-injection of response data yet)"));
}

}  // namespace

http::FilterHeadersStatus FaultFilter::decodeHeaders(http::HeaderMap& headers, bool) {
  const FaultConfig* config = config_.get();
  if (const auto* per_route =
          dynamic_cast<const FaultPerRoute*>(callbacks_->mostSpecificPerFilterConfig())) {
    config = &per_route->config();
  }
  std::string_view cluster;
  if (!config->upstream_cluster.empty()) {
    if (const auto* route = dynamic_cast<const route::Route*>(callbacks_->route())) {
      cluster = route->clusterName(headers, callbacks_->routeRandom());
    }
  }
  WorkerRandom random(callbacks_->worker().random);
  FaultDecision decision =
      decideFaults(*config, *config_->stats, *config_->active, headers, cluster, random);
  if (!decision.any()) return http::FilterHeadersStatus::kContinue;
  slot_ = std::move(decision.slot);
  accesslog::StreamInfo& info = callbacks_->streamInfo();
  if (!config->filter_metadata_json.empty()) {
    google::protobuf::Struct fields;
    if (protobuf::jsonToMessage(config->filter_metadata_json, &fields).ok()) {
      info.dynamic_metadata.merge(kFaultMetadataNamespace, fields);
    }
  }
  abort_ = decision.abort;
  if (decision.delay.has_value()) {
    info.setResponseFlag(accesslog::ResponseFlag::kDelayInjected);
    delay_timer_ =
        std::make_unique<Timer>(callbacks_->worker().loop.uv(), [this] { onDelayDone(); });
    delay_timer_->enable(*decision.delay);
    delaying_ = true;
    return http::FilterHeadersStatus::kStopIteration;
  }
  if (abort_.has_value()) {
    abort();
    return http::FilterHeadersStatus::kStopIteration;
  }
  return http::FilterHeadersStatus::kContinue;
}

http::FilterDataStatus FaultFilter::decodeData(Buffer&, bool) {
  // While delayed the body waits here, with backpressure rather than a 413.
  if (delaying_) {
    return http::FilterDataStatus::kStopIterationAndWatermark;
  }
  return http::FilterDataStatus::kContinue;
}

http::FilterTrailersStatus FaultFilter::decodeTrailers(http::HeaderMap&) {
  if (delaying_) {
    return http::FilterTrailersStatus::kStopIteration;
  }
  return http::FilterTrailersStatus::kContinue;
}

void FaultFilter::onDelayDone() {
  delaying_ = false;
  // Envoy aborts after the delay when both were drawn.
  if (abort_.has_value()) {
    abort();
    return;
  }
  callbacks_->continueDecoding();
}

void FaultFilter::abort() {
  callbacks_->streamInfo().setResponseFlag(accesslog::ResponseFlag::kFaultInjected);
  http::LocalReplyOptions options;
  options.grpc_status = abort_->grpc_status;
  callbacks_->sendLocalReply(abort_->http_status, "fault filter abort", "fault_filter_abort",
                             options);
}

void FaultFilter::onDestroy() {
  // Disabled, not destroyed: onDestroy may come from inside the timer's own callback (an abort
  // after the delay); the stream is deleted later, with the filter.
  if (delay_timer_ != nullptr) delay_timer_->disable();
  delaying_ = false;
  slot_ = ActiveFaultSlot();
}

absl::StatusOr<http::HttpFilterFactory> createFaultFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context) {
  auto proto = protobuf::unpackAny<v3::HTTPFault>(typed_config, "fault");
  if (!proto.ok()) return proto.status();
  if (auto s = refuseResponseRateLimit(*proto, "fault"); !s.ok()) return s;
  auto config = translateFault(*proto, context.stats.scope("http", context.http_stat_prefix));
  if (!config.ok()) return protobuf::withContext(config.status(), "fault");
  return http::HttpFilterFactory([config = *config](http::FilterChainBuilder& builder) {
    builder.addDecoderFilter(std::make_shared<FaultFilter>(config));
  });
}

absl::StatusOr<http::RouteSpecificFilterConfigSharedPtr> createFaultPerRoute(
    const google::protobuf::Any& typed_config) {
  auto proto = protobuf::unpackAny<v3::HTTPFault>(typed_config, "fault per-route config");
  if (!proto.ok()) return proto.status();
  if (auto s = refuseResponseRateLimit(*proto, "fault per-route config"); !s.ok()) return s;
  auto config = translateFaultSettings(*proto);
  if (!config.ok()) return protobuf::withContext(config.status(), "fault per-route config");
  return std::make_shared<const FaultPerRoute>(*config);
}

}  // namespace meshproxy::filters::fault
