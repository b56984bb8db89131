#include "proxy/tracing/zipkin_proto.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <random>

namespace meshproxy::tracing {
namespace {

// openzipkin's zipkin.proto3 schema (the parts Envoy writes), declared here so the encoding is
// checked by protobuf's own parser rather than only by our decoder.
constexpr char kZipkinProto[] = R"pb(
  name: "zipkin_test.proto"
  package: "zipkin.proto3"
  syntax: "proto3"
  message_type {
    name: "Endpoint"
    field { name: "service_name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "ipv4" number: 2 label: LABEL_OPTIONAL type: TYPE_BYTES }
    field { name: "ipv6" number: 3 label: LABEL_OPTIONAL type: TYPE_BYTES }
    field { name: "port" number: 4 label: LABEL_OPTIONAL type: TYPE_INT32 }
  }
  message_type {
    name: "Annotation"
    field { name: "timestamp" number: 1 label: LABEL_OPTIONAL type: TYPE_FIXED64 }
    field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
  message_type {
    name: "Span"
    field { name: "trace_id" number: 1 label: LABEL_OPTIONAL type: TYPE_BYTES }
    field { name: "parent_id" number: 2 label: LABEL_OPTIONAL type: TYPE_BYTES }
    field { name: "id" number: 3 label: LABEL_OPTIONAL type: TYPE_BYTES }
    field {
      name: "kind"
      number: 4
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".zipkin.proto3.Span.Kind"
    }
    field { name: "name" number: 5 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "timestamp" number: 6 label: LABEL_OPTIONAL type: TYPE_FIXED64 }
    field { name: "duration" number: 7 label: LABEL_OPTIONAL type: TYPE_UINT64 }
    field {
      name: "local_endpoint"
      number: 8
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".zipkin.proto3.Endpoint"
    }
    field {
      name: "annotations"
      number: 10
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".zipkin.proto3.Annotation"
    }
    field {
      name: "tags"
      number: 11
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".zipkin.proto3.Span.TagsEntry"
    }
    field { name: "debug" number: 12 label: LABEL_OPTIONAL type: TYPE_BOOL }
    field { name: "shared" number: 13 label: LABEL_OPTIONAL type: TYPE_BOOL }
    nested_type {
      name: "TagsEntry"
      options { map_entry: true }
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
      field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
    }
    enum_type {
      name: "Kind"
      value { name: "SPAN_KIND_UNSPECIFIED" number: 0 }
      value { name: "CLIENT" number: 1 }
      value { name: "SERVER" number: 2 }
    }
  }
  message_type {
    name: "ListOfSpans"
    field {
      name: "spans"
      number: 1
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".zipkin.proto3.Span"
    }
  }
)pb";

std::vector<Span> twoSpans() {
  std::mt19937_64 random(5);
  const SystemTime t0 = SystemTime{} + std::chrono::microseconds(1700000000123456);
  SpanContext caller;
  caller.trace_id = TraceId{0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL};
  caller.span_id = 0x00f067aa0ba902b7ULL;
  caller.sampled = true;
  Span server = startSpan(caller, "ingress", t0, true, {}, random);
  server.setTag("http.method", "GET");
  server.setTag("http.status_code", "200");
  server.log(t0 + std::chrono::microseconds(10), "last_downstream_rx_byte_received");
  server.end = t0 + std::chrono::microseconds(2500);
  server.shared = true;
  Span client = startChildSpan(server, "router backend egress", SpanKind::kClient,
                               t0 + std::chrono::microseconds(100), random);
  client.trace_id.high = 0;  // a 64-bit trace id is 8 bytes on the wire
  client.end = t0 + std::chrono::microseconds(2000);
  return {server, client};
}

TEST(ZipkinProtoTest, ProtobufParsesItAsZipkinListOfSpans) {
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kZipkinProto, &file));
  google::protobuf::DescriptorPool pool;
  const auto* fd = pool.BuildFile(file);
  ASSERT_NE(fd, nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> list(
      factory.GetPrototype(pool.FindMessageTypeByName("zipkin.proto3.ListOfSpans"))->New());

  const auto spans = twoSpans();
  const std::string bytes = encodeZipkinProtoV2(spans, {"productpage.default", "10.0.0.5", 0});
  ASSERT_TRUE(list->ParseFromString(bytes));
  std::string text;
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);
  printer.PrintToString(*list, &text);

  // The parts whose encoding a collector relies on.
  EXPECT_NE(text.find("kind: SERVER"), std::string::npos) << text;
  EXPECT_NE(text.find("kind: CLIENT"), std::string::npos) << text;
  EXPECT_NE(text.find("timestamp: 1700000000123456"), std::string::npos) << text;
  EXPECT_NE(text.find("duration: 2500"), std::string::npos) << text;
  EXPECT_NE(text.find("service_name: \"productpage.default\""), std::string::npos) << text;
  EXPECT_NE(text.find("ipv4: \"\\n\\000\\000\\005\""), std::string::npos) << text;
  EXPECT_NE(text.find("key: \"http.status_code\"\n    value: \"200\""), std::string::npos) << text;
  EXPECT_NE(text.find("value: \"last_downstream_rx_byte_received\""), std::string::npos) << text;
  EXPECT_NE(text.find("shared: true"), std::string::npos) << text;
  // 128-bit trace id: 16 big-endian bytes starting with 4b f9.
  EXPECT_NE(text.find("trace_id: \"K\\371/5w"), std::string::npos) << text;
  const auto* span_field = list->GetDescriptor()->FindFieldByName("spans");
  ASSERT_EQ(list->GetReflection()->FieldSize(*list, span_field), 2);
  const auto& client = list->GetReflection()->GetRepeatedMessage(*list, span_field, 1);
  const auto* trace_id = client.GetDescriptor()->FindFieldByName("trace_id");
  EXPECT_EQ(client.GetReflection()->GetString(client, trace_id).size(), 8u);
}

TEST(ZipkinProtoTest, RoundTrips) {
  const auto spans = twoSpans();
  auto back = decodeZipkinProtoV2(encodeZipkinProtoV2(spans, {"svc", "::1", 80}));
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  for (size_t i = 0; i < spans.size(); ++i) {
    Span expected = spans[i];
    expected.tracestate.clear();
    EXPECT_EQ((*back)[i], expected) << i;
  }
}

TEST(ZipkinProtoTest, TruncatedInputIsAnError) {
  const std::string bytes = encodeZipkinProtoV2(twoSpans(), {"svc", "", 0});
  EXPECT_FALSE(decodeZipkinProtoV2(std::string_view(bytes).substr(0, bytes.size() - 3)).ok());
}

}  // namespace
}  // namespace meshproxy::tracing
