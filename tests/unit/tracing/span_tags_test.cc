#include "proxy/tracing/span_tags.h"

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/unit/accesslog/test_headers.h"
#include "tests/unit/accesslog/test_upstream_host.h"

namespace meshproxy::tracing {
namespace {

using accesslog::testing::TestHeaders;

std::string tag(const Span& s, std::string_view key) {
  const std::string* v = s.findTag(key);
  return v == nullptr ? "<unset>" : *v;
}

TEST(SpanTagsTest, OperationNames) {
  EXPECT_EQ(operationName(false, "reviews:9080"), "ingress");
  EXPECT_EQ(operationName(true, "reviews:9080"), "egress reviews:9080");
}

TEST(SpanTagsTest, OriginalUriPrefersTheOriginalPathAndCutsIt) {
  TestHeaders h{{":scheme", "http"},
                {":authority", "reviews"},
                {":path", "/rewritten"},
                {"x-envoy-original-path", "/reviews/0123456789"}};
  EXPECT_EQ(buildOriginalUri(h, 256), "http://reviews/reviews/0123456789");
  EXPECT_EQ(buildOriginalUri(h, 8), "http://reviews/reviews");
  TestHeaders no_path{{":authority", "x"}};
  EXPECT_EQ(buildOriginalUri(no_path, 256), "");
}

TEST(SpanTagsTest, AddressWithoutPort) {
  EXPECT_EQ(addressWithoutPort("10.1.2.3:5000"), "10.1.2.3");
  EXPECT_EQ(addressWithoutPort("[::1]:5000"), "::1");
  EXPECT_EQ(addressWithoutPort("::1"), "::1");
  EXPECT_EQ(addressWithoutPort("10.1.2.3"), "10.1.2.3");
}

TEST(SpanTagsTest, DownstreamSpanCarriesEnvoysTagSet) {
  TestHeaders request{{":method", "GET"},
                      {":scheme", "http"},
                      {":authority", "reviews:9080"},
                      {":path", "/reviews/1"},
                      {"x-request-id", "abc"},
                      {"user-agent", "curl/8"},
                      {"x-client-trace-id", "client-1"}};
  accesslog::StreamInfo info;
  info.request_headers = &request;
  info.response_code = 503;
  info.response_flags = static_cast<uint32_t>(accesslog::ResponseFlag::kNoHealthyUpstream);
  info.upstream_cluster = "outbound|9080||reviews.default.svc.cluster.local";
  info.downstream_direct_remote_address = "10.0.0.7:41234";
  info.protocol = "HTTP/1.1";
  info.bytes_received = 12;
  info.bytes_sent = 34;
  Span span;
  setLocalTags(span, {"sidecar~10.0.0.5~productpage.default~default.svc.cluster.local", "zone-a"});
  const SystemTime end = SystemTime{} + std::chrono::seconds(9);
  finalizeDownstreamSpan(span, info, {}, end);
  EXPECT_EQ(tag(span, "node_id"), "sidecar~10.0.0.5~productpage.default~default.svc.cluster.local");
  EXPECT_EQ(tag(span, "zone"), "zone-a");
  EXPECT_EQ(tag(span, "guid:x-request-id"), "abc");
  EXPECT_EQ(tag(span, "guid:x-client-trace-id"), "client-1");
  EXPECT_EQ(tag(span, "http.url"), "http://reviews:9080/reviews/1");
  EXPECT_EQ(tag(span, "http.method"), "GET");
  EXPECT_EQ(tag(span, "http.protocol"), "HTTP/1.1");
  EXPECT_EQ(tag(span, "downstream_cluster"), "-");
  EXPECT_EQ(tag(span, "user_agent"), "curl/8");
  EXPECT_EQ(tag(span, "peer.address"), "10.0.0.7");
  EXPECT_EQ(tag(span, "request_size"), "12");
  EXPECT_EQ(tag(span, "response_size"), "34");
  EXPECT_EQ(tag(span, "component"), "proxy");
  EXPECT_EQ(tag(span, "upstream_cluster"), "outbound|9080||reviews.default.svc.cluster.local");
  EXPECT_EQ(tag(span, "upstream_cluster.name"), "outbound|9080||reviews.default.svc.cluster.local");
  EXPECT_EQ(tag(span, "http.status_code"), "503");
  EXPECT_EQ(tag(span, "response_flags"), "UH");
  EXPECT_EQ(tag(span, "error"), "true");
  EXPECT_EQ(span.end, end);
}

TEST(SpanTagsTest, ErrorOnlyFor5xxOrNoResponse) {
  for (uint32_t code : {200u, 302u, 404u, 499u}) {
    accesslog::StreamInfo info;
    info.response_code = code;
    Span s;
    setCommonTags(s, info, {});
    EXPECT_EQ(s.findTag("error"), nullptr) << code;
    EXPECT_EQ(tag(s, "response_flags"), "-");
  }
  accesslog::StreamInfo none;
  Span s;
  setCommonTags(s, none, {});
  EXPECT_EQ(tag(s, "error"), "true");
  EXPECT_EQ(tag(s, "http.status_code"), "0");
}

TEST(SpanTagsTest, GrpcTags) {
  TestHeaders request{{":method", "POST"},
                      {":path", "/pkg.Svc/Call"},
                      {":authority", "svc"},
                      {"content-type", "application/grpc"},
                      {"grpc-timeout", "1S"}};
  TestHeaders unavailable{{"grpc-status", "14"}, {"grpc-message", "down"}};
  accesslog::StreamInfo info;
  info.request_headers = &request;
  info.response_code = 200;
  info.response_trailers = &unavailable;
  Span s;
  finalizeDownstreamSpan(s, info, {}, SystemTime{});
  EXPECT_EQ(tag(s, "grpc.path"), "/pkg.Svc/Call");
  EXPECT_EQ(tag(s, "grpc.authority"), "svc");
  EXPECT_EQ(tag(s, "grpc.content_type"), "application/grpc");
  EXPECT_EQ(tag(s, "grpc.timeout"), "1S");
  EXPECT_EQ(tag(s, "grpc.status_code"), "14");
  EXPECT_EQ(tag(s, "grpc.message"), "down");
  EXPECT_EQ(tag(s, "error"), "true");

  TestHeaders not_found{{"grpc-status", "5"}};
  info.response_trailers = &not_found;
  Span client_error;
  finalizeDownstreamSpan(client_error, info, {}, SystemTime{});
  EXPECT_EQ(client_error.findTag("error"), nullptr) << "NOT_FOUND is the client's fault";
}

TEST(SpanTagsTest, UpstreamSpanAndVerboseAnnotations) {
  accesslog::StreamInfo info;
  info.start_time = SystemTime{} + std::chrono::seconds(100);
  accesslog::TestUpstreamHost host("10.0.0.9:9080");
  info.upstream_host = &host;
  info.upstream_cluster = "backend";
  info.response_code = 200;
  info.last_downstream_rx_byte_received = std::chrono::milliseconds(1);
  info.first_upstream_rx_byte_received = std::chrono::milliseconds(7);
  SpanFinishSettings verbose;
  verbose.verbose = true;
  Span s;
  finalizeUpstreamSpan(s, info, verbose, SystemTime{});
  EXPECT_EQ(tag(s, "upstream_address"), "10.0.0.9:9080");
  EXPECT_EQ(tag(s, "peer.address"), "10.0.0.9:9080");
  EXPECT_EQ(tag(s, "http.protocol"), "-");
  ASSERT_EQ(s.annotations.size(), 2u);
  EXPECT_EQ(s.annotations[0].value, "last_downstream_rx_byte_received");
  EXPECT_EQ(s.annotations[1].time, info.start_time + std::chrono::milliseconds(7));
}

TEST(CustomTagsTest, LiteralEnvironmentHeaderMetadata) {
  TestHeaders request{{"x-tenant", "acme"}, {"x-empty", ""}};
  google::protobuf::Struct filter;
  (*filter.mutable_fields())["user"].set_string_value("alice");
  auto& nested = *(*filter.mutable_fields())["auth"].mutable_struct_value();
  (*nested.mutable_fields())["level"].set_number_value(3);
  (*nested.mutable_fields())["admin"].set_bool_value(true);
  MetadataLookup metadata = [&](MetadataKind kind,
                                std::string_view name) -> const google::protobuf::Struct* {
    return kind == MetadataKind::kRequest && name == "envoy.filters.http.jwt_authn" ? &filter
                                                                                    : nullptr;
  };
  using S = CustomTag::Source;
  std::vector<CustomTag> tags = {
      {"lit", S::kLiteral, "v1"},
      {"env", S::kEnvironment, "from-env"},
      {"tenant", S::kRequestHeader, "", "x-tenant"},
      {"missing", S::kRequestHeader, "", "x-missing", {}, MetadataKind::kRequest, "dflt"},
      {"empty", S::kRequestHeader, "", "x-empty"},
      {"user", S::kMetadata, "", "envoy.filters.http.jwt_authn", {"user"}},
      {"level", S::kMetadata, "", "envoy.filters.http.jwt_authn", {"auth", "level"}},
      {"admin", S::kMetadata, "", "envoy.filters.http.jwt_authn", {"auth", "admin"}},
      {"auth", S::kMetadata, "", "envoy.filters.http.jwt_authn", {"auth"}},
      {"nope",
       S::kMetadata,
       "",
       "envoy.filters.http.jwt_authn",
       {"auth", "x"},
       MetadataKind::kRequest,
       "d2"},
      {"route", S::kMetadata, "", "envoy.filters.http.jwt_authn", {"user"}, MetadataKind::kRoute},
  };
  Span s;
  applyCustomTags(s, tags, &request, metadata);
  EXPECT_EQ(tag(s, "lit"), "v1");
  EXPECT_EQ(tag(s, "env"), "from-env");
  EXPECT_EQ(tag(s, "tenant"), "acme");
  EXPECT_EQ(tag(s, "missing"), "dflt");
  EXPECT_EQ(s.findTag("empty"), nullptr) << "empty values are not set";
  EXPECT_EQ(tag(s, "user"), "alice");
  EXPECT_EQ(tag(s, "level"), "3");
  EXPECT_EQ(tag(s, "admin"), "true");
  // A struct prints as JSON (key order is the map's).
  EXPECT_NE(tag(s, "auth").find("\"level\":3"), std::string::npos) << tag(s, "auth");
  EXPECT_NE(tag(s, "auth").find("\"admin\":true"), std::string::npos) << tag(s, "auth");
  EXPECT_EQ(tag(s, "nope"), "d2");
  EXPECT_EQ(s.findTag("route"), nullptr) << "no route metadata, no default";

  Span no_context;
  applyCustomTags(no_context, tags, nullptr, {});
  EXPECT_EQ(tag(no_context, "missing"), "dflt");
  EXPECT_EQ(tag(no_context, "nope"), "d2");
}

TEST(CustomTagsTest, RouteTagsReplaceHcmTagsByName) {
  using S = CustomTag::Source;
  std::vector<CustomTag> hcm = {{"a", S::kLiteral, "hcm"}, {"b", S::kLiteral, "hcm"}};
  std::vector<CustomTag> route = {{"b", S::kLiteral, "route"}, {"c", S::kLiteral, "route"}};
  auto merged = mergeCustomTags(hcm, route);
  ASSERT_EQ(merged.size(), 3u);
  Span s;
  applyCustomTags(s, merged, nullptr, {});
  EXPECT_EQ(tag(s, "a"), "hcm");
  EXPECT_EQ(tag(s, "b"), "route");
  EXPECT_EQ(tag(s, "c"), "route");
}

}  // namespace
}  // namespace meshproxy::tracing
