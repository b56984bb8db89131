#include "proxy/tracing/tracing_config_translator.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/config/trace/v3/http_tracer.pb.h"
#include "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.pb.h"

namespace meshproxy::tracing {
namespace {

using envoy::config::route::v3::Tracing;
using envoy::config::trace::v3::Tracing_Http;
using envoy::extensions::filters::network::http_connection_manager::v3::
    HttpConnectionManager_Tracing;

template <typename T>
T fromJson(const std::string& json) {
  T proto;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &proto);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return proto;
}

TEST(HcmTracingTranslationTest, DefaultsAreEnvoys) {
  auto config = translateHcmTracing(fromJson<HttpConnectionManager_Tracing>("{}"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->sampling.client, (SamplingFraction{100, 100}));
  EXPECT_EQ(config->sampling.random, (SamplingFraction{10000, 10000}));
  EXPECT_EQ(config->sampling.overall, (SamplingFraction{10000, 10000}));
  EXPECT_FALSE(config->verbose);
  EXPECT_EQ(config->max_path_tag_length, 256u);
  EXPECT_FALSE(config->spawn_upstream_span);
  EXPECT_FALSE(config->provider.has_value());
  EXPECT_TRUE(config->custom_tags.empty());
}

TEST(HcmTracingTranslationTest, PercentagesConvertAsEnvoyDoes) {
  auto config = translateHcmTracing(fromJson<HttpConnectionManager_Tracing>(R"({
      "client_sampling": {"value": 37.9}, "random_sampling": {"value": 1.25},
      "overall_sampling": {"value": 50}, "verbose": true, "max_path_tag_length": 64,
      "spawn_upstream_span": true})"));
  ASSERT_TRUE(config.ok()) << config.status();
  // client_sampling: the numerator is the uint32 the double truncates to, out of 100.
  EXPECT_EQ(config->sampling.client, (SamplingFraction{37, 100}));
  // random/overall: rounded to 1/10000.
  EXPECT_EQ(config->sampling.random, (SamplingFraction{125, 10000}));
  EXPECT_EQ(config->sampling.overall, (SamplingFraction{5000, 10000}));
  EXPECT_TRUE(config->verbose);
  EXPECT_EQ(config->max_path_tag_length, 64u);
  EXPECT_TRUE(config->spawn_upstream_span);
}

TEST(HcmTracingTranslationTest, OutOfRangePercentIsRefused) {
  auto config = translateHcmTracing(
      fromJson<HttpConnectionManager_Tracing>(R"({"random_sampling": {"value": 100.5}})"));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("random_sampling"), std::string::npos)
      << config.status();
}

TEST(HcmTracingTranslationTest, UnsupportedFieldInAProviderIsNamed) {
  // Every field of the HCM's Tracing in this API version is handled; a tracer's are checked too.
  auto config = translateHcmTracing(fromJson<HttpConnectionManager_Tracing>(R"({
      "provider": {"name": "envoy.tracers.opentelemetry", "typed_config": {
        "@type": "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig",
        "grpc_service": {"envoy_grpc": {"cluster_name": "otel"},
                         "retry_policy": {"num_retries": 3}}}}})"));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("retry_policy"), std::string::npos) << config.status();
}

TEST(HcmTracingTranslationTest, CustomTagsOfEveryKind) {
  setenv("MESHPROXY_TRACING_TEST_ZONE", "zone-a", 1);
  unsetenv("MESHPROXY_TRACING_TEST_UNSET");
  auto config = translateHcmTracing(fromJson<HttpConnectionManager_Tracing>(R"({"custom_tags": [
      {"tag": "lit", "literal": {"value": "v"}},
      {"tag": "env", "environment": {"name": "MESHPROXY_TRACING_TEST_ZONE"}},
      {"tag": "env2", "environment": {"name": "MESHPROXY_TRACING_TEST_UNSET",
                                      "default_value": "dflt"}},
      {"tag": "hdr", "request_header": {"name": "X-User", "default_value": "anon"}},
      {"tag": "md", "metadata": {"kind": {"route": {}},
                                 "metadata_key": {"key": "istio", "path": [{"key": "a"},
                                                                           {"key": "b"}]}}}
  ]})"));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->custom_tags.size(), 5u);
  const auto& t = config->custom_tags;
  EXPECT_EQ(t[0].source, CustomTag::Source::kLiteral);
  EXPECT_EQ(t[0].value, "v");
  EXPECT_EQ(t[1].source, CustomTag::Source::kEnvironment);
  EXPECT_EQ(t[1].value, "zone-a");
  EXPECT_EQ(t[2].value, "dflt");
  EXPECT_EQ(t[3].source, CustomTag::Source::kRequestHeader);
  EXPECT_EQ(t[3].name, "x-user") << "header names are matched lower-case";
  EXPECT_EQ(t[3].default_value, "anon");
  EXPECT_EQ(t[4].source, CustomTag::Source::kMetadata);
  EXPECT_EQ(t[4].metadata_kind, MetadataKind::kRoute);
  EXPECT_EQ(t[4].name, "istio");
  EXPECT_EQ(t[4].path, (std::vector<std::string>{"a", "b"}));
}

TEST(HcmTracingTranslationTest, CustomTagErrorsNameTheEntry) {
  auto no_type = translateHcmTracing(
      fromJson<HttpConnectionManager_Tracing>(R"({"custom_tags": [{"tag": "x"}]})"));
  ASSERT_FALSE(no_type.ok());
  EXPECT_NE(no_type.status().message().find("custom_tags[0]"), std::string::npos);
  auto no_path = translateHcmTracing(fromJson<HttpConnectionManager_Tracing>(
      R"({"custom_tags": [{"tag": "x", "literal": {"value": "1"}},
                          {"tag": "y", "metadata": {"metadata_key": {"key": "f"}}}]})"));
  ASSERT_FALSE(no_path.ok());
  EXPECT_NE(no_path.status().message().find("custom_tags[1]"), std::string::npos)
      << no_path.status();
}

TEST(RouteTracingTranslationTest, OverridesOnlyWhatIsSet) {
  auto route = translateRouteTracing(fromJson<Tracing>(R"({
      "random_sampling": {"numerator": 5, "denominator": "TEN_THOUSAND"},
      "overall_sampling": {"numerator": 20},
      "custom_tags": [{"tag": "lit", "literal": {"value": "route"}}]})"));
  ASSERT_TRUE(route.ok()) << route.status();
  SamplingConfig hcm;
  hcm.client = {30, 100};
  const SamplingConfig applied = route->apply(hcm);
  EXPECT_EQ(applied.client, (SamplingFraction{30, 100})) << "unset: the HCM's value";
  EXPECT_EQ(applied.random, (SamplingFraction{5, 10000}));
  EXPECT_EQ(applied.overall, (SamplingFraction{20, 100})) << "denominator defaults to HUNDRED";
  ASSERT_EQ(route->custom_tags.size(), 1u);
  EXPECT_EQ(route->custom_tags[0].value, "route");
}

TEST(TracingProviderTranslationTest, ZipkinWithEnvoysDefaults) {
  auto provider = translateTracingProvider(fromJson<Tracing_Http>(R"({
      "name": "envoy.tracers.zipkin", "typed_config": {
        "@type": "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig",
        "collector_cluster": "zipkin", "collector_endpoint": "/api/v2/spans",
        "collector_endpoint_version": "HTTP_JSON", "trace_id_128bit": true}})"));
  ASSERT_TRUE(provider.ok()) << provider.status();
  EXPECT_EQ(provider->name, "envoy.tracers.zipkin");
  const auto* zipkin = std::get_if<ZipkinTracerConfig>(&provider->tracer);
  ASSERT_NE(zipkin, nullptr);
  EXPECT_EQ(zipkin->collector_cluster, "zipkin");
  EXPECT_EQ(zipkin->collector_endpoint, "/api/v2/spans");
  EXPECT_TRUE(zipkin->trace_id_128bit);
  EXPECT_TRUE(zipkin->shared_span_context) << "Envoy's default";
}

TEST(TracingProviderTranslationTest, ZipkinNeedsClusterAndEndpoint) {
  auto provider = translateTracingProvider(fromJson<Tracing_Http>(R"({
      "name": "envoy.tracers.zipkin", "typed_config": {
        "@type": "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig",
        "collector_cluster": "zipkin"}})"));
  ASSERT_FALSE(provider.ok());
  EXPECT_NE(provider.status().message().find("collector_endpoint"), std::string::npos);
}

TEST(TracingProviderTranslationTest, ZipkinGrpcIsRefusedByName) {
  auto provider = translateTracingProvider(fromJson<Tracing_Http>(R"({
      "name": "envoy.tracers.zipkin", "typed_config": {
        "@type": "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig",
        "collector_cluster": "zipkin", "collector_endpoint": "/api/v2/spans",
        "collector_endpoint_version": "GRPC"}})"));
  ASSERT_FALSE(provider.ok());
  EXPECT_NE(provider.status().message().find("GRPC"), std::string::npos) << provider.status();
}

TEST(TracingProviderTranslationTest, OpenTelemetryGrpcWithResource) {
  setenv("OTEL_RESOURCE_ATTRIBUTES", "k8s.pod.name=reviews-1, team=a%2Cb", 1);
  auto provider = translateTracingProvider(fromJson<Tracing_Http>(R"({
      "name": "envoy.tracers.opentelemetry", "typed_config": {
        "@type": "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig",
        "service_name": "reviews.default",
        "grpc_service": {"envoy_grpc": {"cluster_name": "otel"}, "timeout": "0.25s",
                         "initial_metadata": [{"key": "x-tenant", "value": "t1"}]},
        "resource_detectors": [
          {"name": "envoy.tracers.opentelemetry.resource_detectors.environment",
           "typed_config": {"@type": "type.googleapis.com/envoy.extensions.tracers.opentelemetry.resource_detectors.v3.EnvironmentResourceDetectorConfig"}},
          {"name": "envoy.tracers.opentelemetry.resource_detectors.static_config",
           "typed_config": {"@type": "type.googleapis.com/envoy.extensions.tracers.opentelemetry.resource_detectors.v3.StaticConfigResourceDetectorConfig",
                            "attributes": {"z": "1", "a": "2"}}}]}})"));
  unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  ASSERT_TRUE(provider.ok()) << provider.status();
  const auto* otel = std::get_if<OpenTelemetryTracerConfig>(&provider->tracer);
  ASSERT_NE(otel, nullptr);
  EXPECT_EQ(otel->service_name, "reviews.default");
  const auto* grpc = std::get_if<OtlpGrpcExport>(&otel->exporter);
  ASSERT_NE(grpc, nullptr);
  EXPECT_EQ(grpc->cluster_name, "otel");
  EXPECT_EQ(grpc->timeout, std::chrono::milliseconds(250));
  ASSERT_EQ(grpc->initial_metadata.size(), 1u);
  EXPECT_EQ(grpc->initial_metadata[0].first, "x-tenant");
  using Attributes = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(otel->resource_attributes,
            (Attributes{{"k8s.pod.name", "reviews-1"}, {"team", "a,b"}, {"a", "2"}, {"z", "1"}}));
}

TEST(TracingProviderTranslationTest, OpenTelemetryHttp) {
  auto provider = translateTracingProvider(fromJson<Tracing_Http>(R"({
      "name": "envoy.tracers.opentelemetry", "typed_config": {
        "@type": "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig",
        "http_service": {"http_uri": {"uri": "http://collector:4318/v1/traces",
                                      "cluster": "otel", "timeout": "1s"},
                         "request_headers_to_add": [{"header": {"key": "Authorization",
                                                                "value": "t"}}]}}})"));
  ASSERT_TRUE(provider.ok()) << provider.status();
  const auto& otel = std::get<OpenTelemetryTracerConfig>(provider->tracer);
  EXPECT_EQ(otel.service_name, "unknown_service:envoy");
  const auto* http = std::get_if<OtlpHttpExport>(&otel.exporter);
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->uri, "http://collector:4318/v1/traces");
  EXPECT_EQ(http->cluster, "otel");
  EXPECT_EQ(http->timeout, std::chrono::seconds(1));
  ASSERT_EQ(http->request_headers.size(), 1u);
  EXPECT_EQ(http->request_headers[0].first, "authorization");
}

TEST(TracingProviderTranslationTest, OpenTelemetrySamplerAndGoogleGrpcAreRefused) {
  auto sampler = translateTracingProvider(fromJson<Tracing_Http>(R"({
      "name": "envoy.tracers.opentelemetry", "typed_config": {
        "@type": "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig",
        "sampler": {"name": "s", "typed_config": {"@type": "type.googleapis.com/google.protobuf.Empty"}}}})"));
  ASSERT_FALSE(sampler.ok());
  EXPECT_NE(sampler.status().message().find("sampler"), std::string::npos) << sampler.status();
  auto google = translateTracingProvider(fromJson<Tracing_Http>(R"({
      "name": "envoy.tracers.opentelemetry", "typed_config": {
        "@type": "type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig",
        "grpc_service": {"google_grpc": {"target_uri": "x:1", "stat_prefix": "s"}}}})"));
  ASSERT_FALSE(google.ok());
  EXPECT_NE(google.status().message().find("google_grpc"), std::string::npos) << google.status();
}

TEST(TracingProviderTranslationTest, OtherTracersAreUnsupportedExtensions) {
  auto provider = translateTracingProvider(fromJson<Tracing_Http>(R"({
      "name": "envoy.tracers.datadog", "typed_config": {
        "@type": "type.googleapis.com/google.protobuf.Struct",
        "value": {"collector_cluster": "dd"}}})"));
  ASSERT_FALSE(provider.ok());
  EXPECT_NE(provider.status().message().find("envoy.tracers.datadog"), std::string::npos)
      << provider.status();
}

TEST(HcmTracingTranslationTest, ProviderErrorsCarryContext) {
  auto config = translateHcmTracing(fromJson<HttpConnectionManager_Tracing>(R"({
      "provider": {"name": "envoy.tracers.zipkin", "typed_config": {
        "@type": "type.googleapis.com/envoy.config.trace.v3.ZipkinConfig"}}})"));
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("tracing provider"), std::string::npos)
      << config.status();
}

TEST(OtelResourceAttributesTest, Syntax) {
  auto ok = parseOtelResourceAttributes(" a = 1 ,b=%20x ");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].second, " x");
  EXPECT_TRUE(parseOtelResourceAttributes("").ok());
  EXPECT_FALSE(parseOtelResourceAttributes("novalue").ok());
  EXPECT_FALSE(parseOtelResourceAttributes("=v").ok());
}

}  // namespace
}  // namespace meshproxy::tracing
