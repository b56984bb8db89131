#include "proxy/tracing/stream_trace.h"

#include <string>
#include <utility>

#include "proxy/tracing/b3.h"
#include "proxy/tracing/custom_tags.h"
#include "proxy/tracing/sampling_decision.h"
#include "proxy/tracing/span_tags.h"
#include "proxy/tracing/w3c_trace_context.h"

namespace meshproxy::tracing {
namespace {

constexpr std::string_view kDecoratorOperation = "x-envoy-decorator-operation";

std::optional<SpanContext> extract(Propagation propagation, const TraceHeaders& headers) {
  return propagation == Propagation::kW3C ? extractW3C(headers) : extractB3(headers);
}

}  // namespace

void StreamTrace::onRequestHeaders(TraceHeaders& headers, const RequestTraceInputs& in,
                                   SystemTime start, std::mt19937_64& random) {
  route_ = in.route;
  const SamplingConfig sampling =
      route_ != nullptr ? route_->apply(tracer_.config.sampling) : tracer_.config.sampling;
  std::optional<std::string> request_id;
  if (auto id = headers.get(headers::kRequestId)) request_id.emplace(*id);
  SamplingInput input{.request_id = request_id ? &*request_id : nullptr,
                      .has_client_trace_id = headers.get(headers::kClientTraceId).has_value(),
                      .has_force_trace = headers.get(headers::kEnvoyForceTrace).has_value()};
  const std::string before = request_id.value_or(std::string());
  reason_ = decideTraceReason(sampling, tracer_.request_id, input, random());
  if (request_id && *request_id != before) headers.set(headers::kRequestId, *request_id);

  if (tracer_.tracer == nullptr) return;  // Envoy's null tracer: the decision only
  const Tracer& t = *tracer_.tracer;

  std::string name;
  if (!tracer_.egress) {
    if (auto op = headers.get(kDecoratorOperation); op && !op->empty()) name = std::string(*op);
    headers.remove(kDecoratorOperation);
  }
  if (name.empty()) {
    if (!in.decorator_operation.empty()) {
      name = std::string(in.decorator_operation);
    } else if (t.name_by_host) {
      name = std::string(in.host);
    } else {
      name = operationName(tracer_.egress, in.host);
    }
  }
  if (tracer_.egress && !in.decorator_operation.empty() && in.decorator_propagate) {
    headers.set(kDecoratorOperation, in.decorator_operation);
  }

  SpanStartOptions options{.kind = tracer_.egress ? SpanKind::kClient : SpanKind::kServer,
                           .trace_id_128bit = t.trace_id_128bit,
                           .shared_span_context = t.shared_span_context};
  span_ = startSpan(extract(t.propagation, headers), std::move(name), start, isTraced(reason_),
                    options, random);
  setLocalTags(*span_, tracer_.local);
  inject(headers, *span_);
}

void StreamTrace::onUpstreamRequest(TraceHeaders& headers, std::string_view cluster, SystemTime now,
                                    std::mt19937_64& random) {
  if (!tracer_.config.spawn_upstream_span || !span_) return;
  if (!upstream_span_) {
    upstream_span_ = startChildSpan(*span_, "router " + std::string(cluster) + " egress",
                                    SpanKind::kClient, now, random);
    setLocalTags(*upstream_span_, tracer_.local);
  }
  inject(headers, *upstream_span_);
}

void StreamTrace::inject(TraceHeaders& headers, const Span& span) const {
  if (tracer_.tracer->propagation == Propagation::kW3C) {
    injectW3C(headers, span.trace_id, span.span_id, span.sampled, span.tracestate);
  } else {
    injectB3(headers, span.trace_id, span.span_id, span.parent_span_id, span.sampled, span.debug);
  }
}

void StreamTrace::finish(const accesslog::StreamInfo& info, SystemTime end, SpanSinks* sinks) {
  if (!span_) return;
  std::vector<CustomTag> merged;
  const std::vector<CustomTag>* tags = &tracer_.config.custom_tags;
  if (route_ != nullptr && !route_->custom_tags.empty()) {
    merged = mergeCustomTags(tracer_.config.custom_tags, route_->custom_tags);
    tags = &merged;
  }
  SpanFinishSettings settings{
      .max_path_tag_length = tracer_.config.max_path_tag_length,
      .verbose = tracer_.config.verbose,
      .custom_tags = tags->empty() ? nullptr : tags,
      .metadata = [&info](MetadataKind kind,
                          std::string_view filter) -> const google::protobuf::Struct* {
        // Request (dynamic) metadata only: route, cluster and host metadata are not kept where
        // the stream can reach them; those tags get their default_value.
        return kind == MetadataKind::kRequest ? info.dynamic_metadata.get(filter) : nullptr;
      }};
  if (upstream_span_) {
    finalizeUpstreamSpan(*upstream_span_, info, settings, end);
    if (sinks != nullptr && upstream_span_->sampled) {
      sinks->add(tracer_.tracer, std::move(*upstream_span_));
    }
  }
  finalizeDownstreamSpan(*span_, info, settings, end);
  if (sinks != nullptr && span_->sampled) sinks->add(tracer_.tracer, std::move(*span_));
  span_.reset();
  upstream_span_.reset();
}

}  // namespace meshproxy::tracing
