// Route and virtual host metadata: kept as configured and reachable through http::Route.
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "envoy/config/core/v3/base.pb.h"
#include "proxy/protobuf/metadata.h"
#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using testing::buildTable;
using testing::request;

TEST(RouteMetadataTest, RouteAndVirtualHostMetadataAreKept) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  metadata: {filter_metadata: {istio: {config: /apis/vh}}}
  routes:
  - name: with
    match: {prefix: "/a"}
    route: {cluster: backend}
    metadata:
      filter_metadata:
        istio: {config: /apis/networking.istio.io/v1/namespaces/default/virtual-service/r}
      typed_filter_metadata:
        custom:
          "@type": type.googleapis.com/google.protobuf.Struct
          value: {k: v}
  - name: without
    match: {prefix: "/"}
    route: {cluster: backend}
)");
  ASSERT_NE(table, nullptr);
  const http::Route* with = table->match(request("h", "/a"), 0);
  ASSERT_NE(with, nullptr);
  const auto* istio = protobuf::filterMetadata(with->metadata(), "istio");
  ASSERT_NE(istio, nullptr);
  EXPECT_EQ(istio->fields().at("config").string_value(),
            "/apis/networking.istio.io/v1/namespaces/default/virtual-service/r");
  EXPECT_EQ(with->metadata()->typed_filter_metadata().count("custom"), 1u);
  EXPECT_EQ(protobuf::filterMetadata(with->metadata(), "other"), nullptr);

  const http::Route* without = table->match(request("h", "/b"), 0);
  ASSERT_NE(without, nullptr);
  EXPECT_EQ(without->metadata(), nullptr);
  const auto* vh = protobuf::filterMetadata(table->virtualHosts().front()->metadata.get(), "istio");
  ASSERT_NE(vh, nullptr);
  EXPECT_EQ(vh->fields().at("config").string_value(), "/apis/vh");
}

}  // namespace
}  // namespace meshproxy::route
