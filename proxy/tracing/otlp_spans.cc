#include "proxy/tracing/otlp_spans.h"

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "proxy/core/strings.h"

namespace meshproxy::tracing {
namespace {

namespace otlp = opentelemetry::proto;

void appendBigEndian(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t readBigEndian(const std::string& bytes, size_t offset) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && offset + i < bytes.size(); ++i) {
    v = (v << 8) | static_cast<uint8_t>(bytes[offset + i]);
  }
  return v;
}

uint64_t nanos(SystemTime t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

SystemTime fromNanos(uint64_t ns) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(
      std::chrono::nanoseconds(static_cast<int64_t>(ns))));
}

void addAttribute(google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>& attributes,
                  const std::string& key, const std::string& value) {
  auto* kv = attributes.Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

bool isError(const Span& span) {
  if (span.hasError()) return true;
  const std::string* code_text = span.findTag("http.status_code");
  uint32_t code = 0;
  if (code_text == nullptr || !absl::SimpleAtoi(*code_text, &code)) return false;
  if (code < 100 || code >= 500) return true;
  return code >= 400 && span.kind == SpanKind::kClient;
}

std::string printValue(const otlp::common::v1::AnyValue& v) {
  switch (v.value_case()) {
    case otlp::common::v1::AnyValue::kStringValue:
      return v.string_value();
    case otlp::common::v1::AnyValue::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case otlp::common::v1::AnyValue::kIntValue:
      return absl::StrCat(v.int_value());
    case otlp::common::v1::AnyValue::kDoubleValue:
      return absl::StrCat(v.double_value());
    default:
      return v.ShortDebugString();
  }
}

}  // namespace

void appendOtlpSpans(std::span<const Span> spans, const OtlpResource& resource,
                     otlp::collector::trace::v1::ExportTraceServiceRequest& out) {
  auto* resource_spans = out.add_resource_spans();
  auto* attributes = resource_spans->mutable_resource()->mutable_attributes();
  addAttribute(*attributes, "service.name", resource.service_name);
  for (const auto& [k, v] : resource.attributes) addAttribute(*attributes, k, v);
  auto* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_scope()->set_name(resource.scope_name);
  scope_spans->mutable_scope()->set_version(resource.scope_version);
  for (const Span& span : spans) {
    auto* s = scope_spans->add_spans();
    std::string trace_id;
    appendBigEndian(trace_id, span.trace_id.high);
    appendBigEndian(trace_id, span.trace_id.low);
    s->set_trace_id(std::move(trace_id));
    std::string span_id;
    appendBigEndian(span_id, span.span_id);
    s->set_span_id(std::move(span_id));
    if (span.parent_span_id != 0) {
      std::string parent;
      appendBigEndian(parent, span.parent_span_id);
      s->set_parent_span_id(std::move(parent));
    }
    s->set_trace_state(span.tracestate);
    s->set_name(span.name);
    s->set_kind(span.kind == SpanKind::kServer ? otlp::trace::v1::Span::SPAN_KIND_SERVER
                                               : otlp::trace::v1::Span::SPAN_KIND_CLIENT);
    s->set_start_time_unix_nano(nanos(span.start));
    s->set_end_time_unix_nano(nanos(span.end));
    for (const SpanTag& tag : span.tags) addAttribute(*s->mutable_attributes(), tag.key, tag.value);
    for (const SpanAnnotation& a : span.annotations) {
      auto* event = s->add_events();
      event->set_time_unix_nano(nanos(a.time));
      event->set_name(a.value);
    }
    if (isError(span)) s->mutable_status()->set_code(otlp::trace::v1::Status::STATUS_CODE_ERROR);
  }
}

std::vector<Span> spansFromOtlp(
    const otlp::collector::trace::v1::ExportTraceServiceRequest& request) {
  std::vector<Span> out;
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) {
      for (const auto& s : ss.spans()) {
        Span span;
        span.trace_id = TraceId{readBigEndian(s.trace_id(), 0), readBigEndian(s.trace_id(), 8)};
        span.span_id = readBigEndian(s.span_id(), 0);
        span.parent_span_id = s.parent_span_id().empty() ? 0 : readBigEndian(s.parent_span_id(), 0);
        span.tracestate = s.trace_state();
        span.name = s.name();
        span.kind = s.kind() == otlp::trace::v1::Span::SPAN_KIND_CLIENT ? SpanKind::kClient
                                                                        : SpanKind::kServer;
        span.start = fromNanos(s.start_time_unix_nano());
        span.end = fromNanos(s.end_time_unix_nano());
        span.sampled = true;
        for (const auto& kv : s.attributes())
          span.tags.push_back({kv.key(), printValue(kv.value())});
        for (const auto& e : s.events())
          span.annotations.push_back({fromNanos(e.time_unix_nano()), e.name()});
        out.push_back(std::move(span));
      }
    }
  }
  return out;
}

}  // namespace meshproxy::tracing
