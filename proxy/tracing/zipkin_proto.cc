#include "proxy/tracing/zipkin_proto.h"

#include <arpa/inet.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include <chrono>

namespace meshproxy::tracing {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// Field numbers of zipkin.proto3 (see the header).
enum SpanField : int {
  kTraceId = 1,
  kParentId = 2,
  kId = 3,
  kKind = 4,
  kName = 5,
  kTimestamp = 6,
  kDuration = 7,
  kLocalEndpoint = 8,
  kAnnotations = 10,
  kTags = 11,
  kDebug = 12,
  kShared = 13,
};
constexpr int kKindClient = 1;
constexpr int kKindServer = 2;

uint64_t micros(SystemTime t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

SystemTime fromMicros(uint64_t us) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(
      std::chrono::microseconds(static_cast<int64_t>(us))));
}

void appendBigEndian(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xff));
}

uint64_t readBigEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

// A length-delimited field: tag, length, bytes.
void putBytes(std::string& out, int field, std::string_view bytes) {
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
  coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
  coded.WriteRaw(bytes.data(), static_cast<int>(bytes.size()));
}

void putVarint(std::string& out, int field, uint64_t v) {
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_VARINT));
  coded.WriteVarint64(v);
}

void putFixed64(std::string& out, int field, uint64_t v) {
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_FIXED64));
  coded.WriteLittleEndian64(v);
}

std::string endpoint(const ZipkinEndpoint& e) {
  std::string out;
  if (!e.service_name.empty()) putBytes(out, 1, e.service_name);
  unsigned char addr[16];
  if (inet_pton(AF_INET, e.ip.c_str(), addr) == 1) {
    putBytes(out, 2, std::string_view(reinterpret_cast<char*>(addr), 4));
  } else if (inet_pton(AF_INET6, e.ip.c_str(), addr) == 1) {
    putBytes(out, 3, std::string_view(reinterpret_cast<char*>(addr), 16));
  }
  if (e.port != 0) putVarint(out, 4, e.port);
  return out;
}

std::string encodeSpan(const Span& span, const std::string& local_endpoint) {
  std::string out;
  std::string trace_id;
  if (span.trace_id.high != 0) appendBigEndian(trace_id, span.trace_id.high);
  appendBigEndian(trace_id, span.trace_id.low);
  putBytes(out, kTraceId, trace_id);
  std::string id;
  if (span.parent_span_id != 0) {
    appendBigEndian(id, span.parent_span_id);
    putBytes(out, kParentId, id);
    id.clear();
  }
  appendBigEndian(id, span.span_id);
  putBytes(out, kId, id);
  putVarint(out, kKind, span.kind == SpanKind::kClient ? kKindClient : kKindServer);
  putBytes(out, kName, span.name);
  putFixed64(out, kTimestamp, micros(span.start));
  putVarint(out, kDuration, static_cast<uint64_t>(span.duration().count()));
  putBytes(out, kLocalEndpoint, local_endpoint);
  for (const SpanAnnotation& a : span.annotations) {
    std::string annotation;
    putFixed64(annotation, 1, micros(a.time));
    putBytes(annotation, 2, a.value);
    putBytes(out, kAnnotations, annotation);
  }
  for (const SpanTag& tag : span.tags) {
    std::string entry;  // a map entry: key = 1, value = 2
    putBytes(entry, 1, tag.key);
    putBytes(entry, 2, tag.value);
    putBytes(out, kTags, entry);
  }
  if (span.debug) putVarint(out, kDebug, 1);
  if (span.shared) putVarint(out, kShared, 1);
  return out;
}

// Reads the next field of a message; false at the end. Length-delimited payloads go to `bytes`,
// varints and fixed64s to `number`.
struct Field {
  int number = 0;
  uint64_t value = 0;
  std::string bytes;
};

absl::StatusOr<bool> nextField(CodedInputStream& in, Field& f) {
  const uint32_t tag = in.ReadTag();
  if (tag == 0) return false;
  f.number = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
  f.bytes.clear();
  switch (WireFormatLite::GetTagWireType(tag)) {
    case WireFormatLite::WIRETYPE_VARINT:
      if (!in.ReadVarint64(&f.value)) return absl::InvalidArgumentError("zipkin proto: bad varint");
      return true;
    case WireFormatLite::WIRETYPE_FIXED64:
      if (!in.ReadLittleEndian64(&f.value)) {
        return absl::InvalidArgumentError("zipkin proto: truncated fixed64");
      }
      return true;
    case WireFormatLite::WIRETYPE_LENGTH_DELIMITED: {
      uint32_t size = 0;
      if (!in.ReadVarint32(&size) || !in.ReadString(&f.bytes, static_cast<int>(size))) {
        return absl::InvalidArgumentError("zipkin proto: truncated field");
      }
      return true;
    }
    default:
      if (!WireFormatLite::SkipField(&in, tag)) {
        return absl::InvalidArgumentError("zipkin proto: bad field");
      }
      f.number = 0;  // skipped
      return true;
  }
}

absl::StatusOr<Span> decodeSpan(std::string_view bytes) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  Span span;
  span.sampled = true;
  uint64_t duration_us = 0;
  Field f;
  while (true) {
    auto more = nextField(in, f);
    if (!more.ok()) return more.status();
    if (!*more) break;
    switch (f.number) {
      case kTraceId:
        if (f.bytes.size() != 8 && f.bytes.size() != 16) {
          return absl::InvalidArgumentError("zipkin proto: trace_id must be 8 or 16 bytes");
        }
        span.trace_id.high =
            f.bytes.size() == 16 ? readBigEndian(std::string_view(f.bytes).substr(0, 8)) : 0;
        span.trace_id.low = readBigEndian(std::string_view(f.bytes).substr(f.bytes.size() - 8));
        break;
      case kParentId:
        span.parent_span_id = readBigEndian(f.bytes);
        break;
      case kId:
        span.span_id = readBigEndian(f.bytes);
        break;
      case kKind:
        span.kind = f.value == kKindClient ? SpanKind::kClient : SpanKind::kServer;
        break;
      case kName:
        span.name = f.bytes;
        break;
      case kTimestamp:
        span.start = fromMicros(f.value);
        break;
      case kDuration:
        duration_us = f.value;
        break;
      case kAnnotations: {
        CodedInputStream a(reinterpret_cast<const uint8_t*>(f.bytes.data()),
                           static_cast<int>(f.bytes.size()));
        SpanAnnotation annotation;
        Field af;
        while (true) {
          auto m = nextField(a, af);
          if (!m.ok()) return m.status();
          if (!*m) break;
          if (af.number == 1) annotation.time = fromMicros(af.value);
          if (af.number == 2) annotation.value = af.bytes;
        }
        span.annotations.push_back(std::move(annotation));
        break;
      }
      case kTags: {
        CodedInputStream e(reinterpret_cast<const uint8_t*>(f.bytes.data()),
                           static_cast<int>(f.bytes.size()));
        SpanTag tag;
        Field ef;
        while (true) {
          auto m = nextField(e, ef);
          if (!m.ok()) return m.status();
          if (!*m) break;
          if (ef.number == 1) tag.key = ef.bytes;
          if (ef.number == 2) tag.value = ef.bytes;
        }
        span.tags.push_back(std::move(tag));
        break;
      }
      case kDebug:
        span.debug = f.value != 0;
        break;
      case kShared:
        span.shared = f.value != 0;
        break;
      default:
        break;
    }
  }
  span.end = span.start + std::chrono::microseconds(static_cast<int64_t>(duration_us));
  return span;
}

}  // namespace

std::string encodeZipkinProtoV2(std::span<const Span> spans, const ZipkinEndpoint& local) {
  const std::string local_endpoint = endpoint(local);
  std::string out;
  for (const Span& span : spans) putBytes(out, 1, encodeSpan(span, local_endpoint));
  return out;
}

absl::StatusOr<std::vector<Span>> decodeZipkinProtoV2(std::string_view bytes) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  std::vector<Span> spans;
  Field f;
  while (true) {
    auto more = nextField(in, f);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (f.number != 1) continue;
    auto span = decodeSpan(f.bytes);
    if (!span.ok()) return span.status();
    spans.push_back(std::move(*span));
  }
  if (!in.ConsumedEntireMessage() && in.BytesUntilLimit() > 0) {
    return absl::InvalidArgumentError("zipkin proto: trailing bytes");
  }
  return spans;
}

}  // namespace meshproxy::tracing
