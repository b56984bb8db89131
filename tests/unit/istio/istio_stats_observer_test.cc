#include "proxy/istio/istio_stats_observer.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "proxy/accesslog/response_flags.h"
#include "tests/unit/accesslog/test_headers.h"
#include "udpa/type/v1/typed_struct.pb.h"

namespace meshproxy::istio {
namespace {

using accesslog::testing::TestHeaders;

google::protobuf::Any pluginConfig(const std::string& value_json) {
  udpa::type::v1::TypedStruct ts;
  ts.set_type_url(std::string(kIstioStatsTypeUrl));
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(value_json, ts.mutable_value()).ok());
  google::protobuf::Any any;
  any.PackFrom(ts);
  return any;
}

google::protobuf::Struct nodeMetadata() {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                  R"({"WORKLOAD_NAME": "reviews-v1", "NAMESPACE": "bookinfo",
                      "LABELS": {"app": "reviews", "version": "v1"}})",
                  &s)
                  .ok());
  return s;
}

std::string line(const std::string& text, const std::string& start) {
  const size_t at = text.find(start);
  if (at == std::string::npos) return "";
  return text.substr(at, text.find('\n', at) - at);
}

TEST(IstioStatsTranslationTest, FieldsAreTranslatedOrRefusedByName) {
  stats::Store store;
  const auto metadata = nodeMetadata();
  auto ok = translateIstioStats(pluginConfig(R"({"disable_host_header_fallback": true})"), false,
                                &metadata, store);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->config().reporter, Reporter::kSource);
  EXPECT_TRUE((*ok)->config().disable_host_header_fallback);
  EXPECT_EQ((*ok)->config().local.app, "reviews");

  auto metrics = translateIstioStats(pluginConfig(R"({"metrics": []})"), true, nullptr, store);
  ASSERT_FALSE(metrics.ok());
  EXPECT_NE(metrics.status().message().find("'metrics'"), std::string::npos) << metrics.status();

  google::protobuf::Any binary;
  binary.set_type_url(std::string(kIstioStatsTypeUrl));
  EXPECT_FALSE(translateIstioStats(binary, true, nullptr, store).ok());
}

TEST(IstioStatsObserverTest, DestinationReporterRecordsFromTheFinishedStream) {
  stats::Store store;
  const auto metadata = nodeMetadata();
  auto observer = translateIstioStats(pluginConfig("{}"), true, &metadata, store);
  ASSERT_TRUE(observer.ok()) << observer.status();

  WorkloadMetadata peer;
  peer.workload_name = "productpage-v1";
  peer.namespace_name = "bookinfo";
  peer.app = "productpage";
  const TestHeaders request{{"x-envoy-peer-metadata", encodePeerMetadataHeader(peer)},
                            {":authority", "reviews.bookinfo.svc.cluster.local:9080"},
                            {"content-type", "application/grpc"}};
  const TestHeaders response{{"grpc-status", "14"}};
  accesslog::StreamInfo info;
  info.request_headers = &request;
  info.response_headers = &response;
  info.downstream_peer_uri_san = "spiffe://cluster.local/ns/bookinfo/sa/productpage";
  info.upstream_cluster = "inbound|9080||";
  info.response_code = 200;
  info.request_complete = std::chrono::milliseconds(42);
  info.bytes_received = 10;
  info.bytes_sent = 900;
  (*observer)->onStreamComplete(info);
  (*observer)->onStreamComplete(info);

  const std::string text = store.renderPrometheus();
  const std::string requests = line(text, "istio_requests_total{");
  EXPECT_NE(requests.find("reporter=\"destination\""), std::string::npos) << requests;
  EXPECT_NE(requests.find("source_workload=\"productpage-v1\""), std::string::npos) << requests;
  EXPECT_NE(requests.find("source_principal=\"spiffe://cluster.local/ns/bookinfo/sa/productpage\""),
            std::string::npos);
  EXPECT_NE(requests.find("destination_workload=\"reviews-v1\""), std::string::npos);
  EXPECT_NE(requests.find("destination_service=\"reviews.bookinfo.svc.cluster.local\""),
            std::string::npos)
      << "Host header fallback, port dropped: " << requests;
  EXPECT_NE(requests.find("destination_service_namespace=\"bookinfo\""), std::string::npos);
  EXPECT_NE(requests.find("request_protocol=\"grpc\""), std::string::npos);
  EXPECT_NE(requests.find("grpc_response_status=\"14\""), std::string::npos);
  EXPECT_NE(requests.find("connection_security_policy=\"mutual_tls\""), std::string::npos);
  EXPECT_TRUE(requests.ends_with("} 2")) << requests;
  EXPECT_NE(line(text, "istio_request_duration_milliseconds_sum{").find("} 84"), std::string::npos);
  EXPECT_NE(line(text, "istio_response_bytes_sum{").find("} 1800"), std::string::npos);
}

TEST(IstioStatsObserverTest, SourceReporterWithoutPeerAndWithoutHostFallback) {
  stats::Store store;
  auto observer = translateIstioStats(pluginConfig(R"({"disable_host_header_fallback": true})"),
                                      false, nullptr, store);
  ASSERT_TRUE(observer.ok());
  const TestHeaders request{{":authority", "somewhere:80"}};
  accesslog::StreamInfo info;
  info.request_headers = &request;
  info.upstream_cluster = "PassthroughCluster";
  info.response_code = 503;
  info.setResponseFlag(accesslog::ResponseFlag::kUpstreamConnectionFailure);
  (*observer)->onStreamComplete(info);
  const std::string requests = line(store.renderPrometheus(), "istio_requests_total{");
  EXPECT_NE(requests.find("reporter=\"source\""), std::string::npos) << requests;
  EXPECT_NE(requests.find("destination_workload=\"unknown\""), std::string::npos);
  EXPECT_NE(requests.find("destination_service=\"unknown\""), std::string::npos) << requests;
  EXPECT_NE(requests.find("response_flags=\"UF\""), std::string::npos);
  EXPECT_NE(requests.find("connection_security_policy=\"unknown\""), std::string::npos);
}

}  // namespace
}  // namespace meshproxy::istio
