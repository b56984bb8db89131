// The node registry and its /nodes JSON.
#include "xds/server/nodes_json.h"

#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "proxy/protobuf/proto_util.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

using ::testing::HasSubstr;

TEST(NodesJsonTest, ConnectedThenDisconnectedWithTypeState) {
  NodeRegistry registry;
  StreamInfo a;
  a.stream_id = 1;
  a.node_id = "node-a";
  a.cluster = "web";
  a.metadata_json = R"({"ns":"default"})";
  a.connected_since = absl::FromUnixSeconds(1700000000);
  registry.connect(a);
  StreamInfo b = a;
  b.stream_id = 2;
  b.node_id = "node-b";
  registry.connect(b);

  TypeStatus cds;
  cds.type_url = std::string(kClusterType);
  cds.version_sent = "v2";
  cds.nonce_sent = "7";
  cds.acked_version = "v1";
  cds.last_nack = NackInfo{"v2", "bad \"cluster\"", absl::FromUnixSeconds(1700000001)};
  registry.updateType(1, cds);
  registry.disconnect(2, absl::FromUnixSeconds(1700000100));
  EXPECT_EQ(registry.connectedCount(), 1u);

  std::string json = nodesJson(registry);
  google::protobuf::Struct parsed;
  ASSERT_TRUE(protobuf::jsonToMessage(json, &parsed).ok()) << json;
  const auto& nodes = parsed.fields().at("nodes").list_value();
  ASSERT_EQ(nodes.values_size(), 2);
  const auto& first = nodes.values(0).struct_value().fields();
  EXPECT_EQ(first.at("id").string_value(), "node-a");
  EXPECT_TRUE(first.at("connected").bool_value());
  EXPECT_EQ(first.at("metadata").struct_value().fields().at("ns").string_value(), "default");
  EXPECT_EQ(first.at("connected_since").string_value(), "2023-11-14T22:13:20.000Z");
  const auto& type = first.at("types").list_value().values(0).struct_value().fields();
  EXPECT_EQ(type.at("type").string_value(), "CDS");
  EXPECT_EQ(type.at("version_sent").string_value(), "v2");
  EXPECT_EQ(type.at("acked_version").string_value(), "v1");
  EXPECT_EQ(type.at("last_nack").struct_value().fields().at("message").string_value(),
            "bad \"cluster\"");
  const auto& second = nodes.values(1).struct_value().fields();
  EXPECT_EQ(second.at("id").string_value(), "node-b");
  EXPECT_FALSE(second.at("connected").bool_value());
  EXPECT_THAT(second.at("disconnected_at").string_value(), HasSubstr("2023-11-14T22:15:00"));
}

TEST(NodesJsonTest, KeepsABoundedNumberOfDisconnectedStreams) {
  NodeRegistry registry;
  for (uint64_t i = 1; i <= NodeRegistry::kRecentDisconnected + 5; ++i) {
    StreamInfo s;
    s.stream_id = i;
    registry.connect(s);
    registry.disconnect(i, absl::Now());
  }
  auto gone = registry.recentlyDisconnected();
  ASSERT_EQ(gone.size(), NodeRegistry::kRecentDisconnected);
  EXPECT_EQ(gone.front().stream_id, NodeRegistry::kRecentDisconnected + 5);
}

}  // namespace
}  // namespace meshproxy::xds_server
