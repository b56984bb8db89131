#include "proxy/istio/workload_metadata.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"

namespace meshproxy::istio {
namespace {

google::protobuf::Struct structFromJson(const std::string& json) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &s).ok()) << json;
  return s;
}

TEST(WorkloadMetadataTest, FromIstioNodeMetadata) {
  const auto w = workloadFromNodeMetadata(structFromJson(R"({
      "NAME": "reviews-v2-7d9c8f-abcde", "NAMESPACE": "bookinfo", "WORKLOAD_NAME": "reviews-v2",
      "SERVICE_ACCOUNT": "bookinfo-reviews", "CLUSTER_ID": "Kubernetes",
      "LABELS": {"app": "reviews", "version": "v2",
                 "service.istio.io/canonical-name": "reviews-canon"}})"));
  EXPECT_EQ(w.workload_name, "reviews-v2");
  EXPECT_EQ(w.namespace_name, "bookinfo");
  EXPECT_EQ(w.app, "reviews");
  EXPECT_EQ(w.version, "v2");
  EXPECT_EQ(w.canonical_service, "reviews-canon");
  EXPECT_EQ(w.canonical_revision, "v2") << "falls back to version";
  EXPECT_EQ(w.service_account, "bookinfo-reviews");
}

TEST(WorkloadMetadataTest, CanonicalFallbacks) {
  const auto w = workloadFromNodeMetadata(structFromJson(
      R"({"WORKLOAD_NAME": "ratings", "LABELS": {"app.kubernetes.io/name": "rt"}})"));
  EXPECT_EQ(w.app, "rt");
  EXPECT_EQ(w.canonical_service, "rt");
  EXPECT_EQ(w.canonical_revision, "latest");
  const auto bare = workloadFromNodeMetadata(structFromJson(R"({"WORKLOAD_NAME": "w"})"));
  EXPECT_EQ(bare.canonical_service, "w");
}

TEST(WorkloadMetadataTest, PeerHeaderRoundTripsAndIsAStructInBase64) {
  WorkloadMetadata w{"productpage-v1", "bookinfo", "productpage",          "v1",
                     "productpage",    "v1",       "bookinfo-productpage", "Kubernetes"};
  const std::string header = encodePeerMetadataHeader(w);
  // What Istio's sidecars send: base64 of a serialized google.protobuf.Struct.
  std::string bytes;
  ASSERT_TRUE(absl::Base64Unescape(header, &bytes));
  google::protobuf::Struct s;
  ASSERT_TRUE(s.ParseFromString(bytes));
  EXPECT_EQ(s.fields().at("WORKLOAD_NAME").string_value(), "productpage-v1");
  EXPECT_EQ(s.fields().at("LABELS").struct_value().fields().at("app").string_value(),
            "productpage");
  auto back = decodePeerMetadataHeader(header);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, w);
}

TEST(WorkloadMetadataTest, BadPeerHeaderIsAnError) {
  EXPECT_FALSE(decodePeerMetadataHeader("***").ok());
  EXPECT_FALSE(decodePeerMetadataHeader(absl::Base64Escape("\xff\xff\xff")).ok());
}

TEST(SpiffeIdTest, Parses) {
  auto id = parseSpiffeId("spiffe://cluster.local/ns/bookinfo/sa/reviews");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->trust_domain, "cluster.local");
  EXPECT_EQ(id->namespace_name, "bookinfo");
  EXPECT_EQ(id->service_account, "reviews");
  EXPECT_FALSE(parseSpiffeId("spiffe://cluster.local/ns/bookinfo").has_value());
  EXPECT_FALSE(parseSpiffeId("spiffe://cluster.local/ns//sa/x").has_value());
  EXPECT_FALSE(parseSpiffeId("https://cluster.local/ns/a/sa/b").has_value());
  EXPECT_FALSE(parseSpiffeId("spiffe://td/ns/a/sa/b/extra").has_value());
}

TEST(ServiceFromClusterNameTest, IstioClusterNames) {
  auto s = serviceFromClusterName("outbound|9080|v2|reviews.bookinfo.svc.cluster.local");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->host, "reviews.bookinfo.svc.cluster.local");
  EXPECT_EQ(s->name, "reviews");
  EXPECT_EQ(s->namespace_name, "bookinfo");
  auto ext = serviceFromClusterName("outbound|443||api.example.com");
  ASSERT_TRUE(ext.has_value());
  EXPECT_EQ(ext->name, "api");
  EXPECT_EQ(ext->namespace_name, "") << "not a *.svc.* host";
  EXPECT_FALSE(serviceFromClusterName("PassthroughCluster").has_value());
  EXPECT_FALSE(serviceFromClusterName("outbound|80|").has_value());
}

}  // namespace
}  // namespace meshproxy::istio
