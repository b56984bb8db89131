#include "proxy/tracing/zipkin_json.h"

#include <fmt/format.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <chrono>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "proxy/core/json.h"
#include "proxy/core/strings.h"

namespace meshproxy::tracing {
namespace {

int64_t micros(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

SystemTime fromMicros(double us) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(
      std::chrono::microseconds(static_cast<int64_t>(us))));
}

void appendEndpoint(std::string& out, const ZipkinEndpoint& e) {
  out.append("{\"serviceName\":");
  appendJsonString(out, e.service_name);
  if (!e.ip.empty()) {
    out.append(e.ip.find(':') == std::string::npos ? ",\"ipv4\":" : ",\"ipv6\":");
    appendJsonString(out, e.ip);
  }
  if (e.port != 0) fmt::format_to(std::back_inserter(out), ",\"port\":{}", e.port);
  out.push_back('}');
}

const google::protobuf::Value* field(const google::protobuf::Struct& s, const char* name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? nullptr : &it->second;
}

std::string stringField(const google::protobuf::Struct& s, const char* name) {
  const auto* v = field(s, name);
  return v != nullptr && v->has_string_value() ? v->string_value() : "";
}

}  // namespace

std::string encodeZipkinJsonV2(std::span<const Span> spans, const ZipkinEndpoint& local) {
  std::string out = "[";
  for (const Span& span : spans) {
    if (out.size() > 1) out.push_back(',');
    fmt::format_to(std::back_inserter(out), "{{\"traceId\":\"{}\",\"id\":\"{}\"",
                   traceIdToHex(span.trace_id, span.trace_id.high != 0 ? 32 : 16),
                   spanIdToHex(span.span_id));
    if (span.parent_span_id != 0) {
      fmt::format_to(std::back_inserter(out), ",\"parentId\":\"{}\"",
                     spanIdToHex(span.parent_span_id));
    }
    out.append(span.kind == SpanKind::kServer ? ",\"kind\":\"SERVER\"" : ",\"kind\":\"CLIENT\"");
    out.append(",\"name\":");
    appendJsonString(out, span.name);
    fmt::format_to(std::back_inserter(out), ",\"timestamp\":{},\"duration\":{}", micros(span.start),
                   span.duration().count());
    if (span.shared) out.append(",\"shared\":true");
    if (span.debug) out.append(",\"debug\":true");
    out.append(",\"localEndpoint\":");
    appendEndpoint(out, local);
    if (!span.tags.empty()) {
      out.append(",\"tags\":{");
      for (size_t i = 0; i < span.tags.size(); ++i) {
        if (i > 0) out.push_back(',');
        appendJsonString(out, span.tags[i].key);
        out.push_back(':');
        appendJsonString(out, span.tags[i].value);
      }
      out.push_back('}');
    }
    if (!span.annotations.empty()) {
      out.append(",\"annotations\":[");
      for (size_t i = 0; i < span.annotations.size(); ++i) {
        if (i > 0) out.push_back(',');
        fmt::format_to(std::back_inserter(out),
                       "{{\"timestamp\":{},\"value\":", micros(span.annotations[i].time));
        appendJsonString(out, span.annotations[i].value);
        out.push_back('}');
      }
      out.push_back(']');
    }
    out.push_back('}');
  }
  out.push_back(']');
  return out;
}

absl::StatusOr<std::vector<Span>> decodeZipkinJsonV2(std::string_view json) {
  google::protobuf::ListValue list;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &list);
  if (!status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("zipkin json: ", std::string(status.message())));
  }
  std::vector<Span> spans;
  for (const auto& item : list.values()) {
    if (!item.has_struct_value())
      return absl::InvalidArgumentError("zipkin json: span is not an object");
    const auto& s = item.struct_value();
    Span span;
    auto trace_id = parseTraceIdHex(stringField(s, "traceId"), false);
    auto id = parseHex64(stringField(s, "id"), false);
    if (!trace_id || !id) return absl::InvalidArgumentError("zipkin json: bad traceId or id");
    span.trace_id = *trace_id;
    span.span_id = *id;
    if (std::string parent = stringField(s, "parentId"); !parent.empty()) {
      auto p = parseHex64(parent, false);
      if (!p) return absl::InvalidArgumentError("zipkin json: bad parentId");
      span.parent_span_id = *p;
    }
    span.kind = stringField(s, "kind") == "CLIENT" ? SpanKind::kClient : SpanKind::kServer;
    span.name = stringField(s, "name");
    const auto* ts = field(s, "timestamp");
    const auto* duration = field(s, "duration");
    span.start = fromMicros(ts != nullptr ? ts->number_value() : 0);
    span.end = span.start + std::chrono::microseconds(static_cast<int64_t>(
                                duration != nullptr ? duration->number_value() : 0));
    const auto* shared = field(s, "shared");
    span.shared = shared != nullptr && shared->bool_value();
    const auto* debug = field(s, "debug");
    span.debug = debug != nullptr && debug->bool_value();
    span.sampled = true;
    if (const auto* t = field(s, "tags"); t != nullptr && t->has_struct_value()) {
      // Struct fields are a map: keep the encoder's order by re-reading the JSON order is not
      // possible, so tags come back sorted by key.
      std::vector<std::string> keys;
      for (const auto& [k, v] : t->struct_value().fields()) keys.push_back(k);
      std::sort(keys.begin(), keys.end());
      for (const auto& k : keys)
        span.tags.push_back({k, t->struct_value().fields().at(k).string_value()});
    }
    if (const auto* a = field(s, "annotations"); a != nullptr && a->has_list_value()) {
      for (const auto& entry : a->list_value().values()) {
        const auto& as = entry.struct_value();
        const auto* at = field(as, "timestamp");
        span.annotations.push_back(
            {fromMicros(at != nullptr ? at->number_value() : 0), stringField(as, "value")});
      }
    }
    spans.push_back(std::move(span));
  }
  return spans;
}

}  // namespace meshproxy::tracing
