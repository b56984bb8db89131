// ConfigManager with the real resource types, fed SotW updates directly (no ADS stream): what
// each update publishes, a cluster that CDS removes while a listener names it, EDS warming,
// unchanged resources keeping their objects, and a rejected update publishing nothing.
#include "proxy/server/config_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "proxy/tls/secret_manager.h"
#include "tests/support/fake_ads_server.h"
#include "xds/client/type_urls.h"

namespace meshproxy::server {
namespace {

using testing::anyFromYaml;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

google::protobuf::Any staticCluster(const std::string& name, int port) {
  return anyFromYaml(absl::StrCat(
      "\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\nname: ", name,
      "\nconnect_timeout: 1s\nload_assignment: { cluster_name: ", name,
      ", endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: "
      "127.0.0.1, port_value: ",
      port, " } } } } ] } ] }\n"));
}

google::protobuf::Any edsCluster(const std::string& name) {
  return anyFromYaml(
      absl::StrCat("\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\nname: ", name,
                   "\ntype: EDS\nconnect_timeout: 1s\neds_cluster_config: { eds_config: { ads: {}, "
                   "resource_api_version: V3 } }\n"));
}

google::protobuf::Any endpoints(const std::string& cluster, int port) {
  return anyFromYaml(absl::StrCat(
      "\"@type\": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment\n"
      "cluster_name: ",
      cluster,
      "\nendpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { address: "
      "127.0.0.1, port_value: ",
      port, " } } } } ] } ]\n"));
}

// A static tcp_proxy listener on an ephemeral port that names cluster "pinned".
constexpr char kBootstrap[] = R"(
static_resources:
  listeners:
  - name: tcp
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: t
          cluster: pinned
)";

class ConfigManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto bootstrap = config::parseBootstrap(kBootstrap);
    ASSERT_TRUE(bootstrap.ok()) << bootstrap.status();
    bootstrap_ = std::move(*bootstrap);
    ASSERT_TRUE(manager_.loadStatic(bootstrap_).ok());
    published_ = 0;
  }

  absl::Status update(std::string_view type, std::vector<google::protobuf::Any> resources,
                      const std::string& version) {
    return manager_.onConfigUpdate(type, resources, version);
  }

  upstream::ClusterConfigSharedPtr cluster(const std::string& name) {
    auto it = manager_.snapshot()->clusters.find(name);
    return it == manager_.snapshot()->clusters.end() ? nullptr : it->second;
  }

  stats::Store stats_;
  EventLoop loop_;
  ListenerManager listeners_{1};
  tls::SecretManager secrets_{loop_.uv(), &stats_};
  int published_ = 0;
  ConfigManager manager_{
      loop_, config::TranslationContext{.stats = stats_, .secrets = &secrets_}, listeners_,
      [this](std::shared_ptr<const config::Snapshot>) { ++published_; }, std::chrono::seconds(1)};
  config::Bootstrap bootstrap_;
};

TEST_F(ConfigManagerTest, ClusterRemovedByCdsStaysWhileAListenerNamesIt) {
  ASSERT_TRUE(
      update(xds::kClusterType, {staticCluster("pinned", 1001), staticCluster("free", 1002)}, "c1")
          .ok());
  auto pinned = cluster("pinned");
  ASSERT_NE(pinned, nullptr);
  ASSERT_NE(cluster("free"), nullptr);

  ASSERT_TRUE(update(xds::kClusterType, {}, "c2").ok());
  EXPECT_EQ(cluster("free"), nullptr) << "nothing names it: gone";
  EXPECT_EQ(cluster("pinned"), pinned) << "the static listener's tcp_proxy still names it";
  EXPECT_THAT(manager_.lastSnapshotDiff().clusters.removed, UnorderedElementsAre("free"));
  std::string dump = manager_.configDumpJson(bootstrap_.proto);
  EXPECT_THAT(dump, HasSubstr("\"dynamic_active_clusters\":[{\"version_info\":\"c1\""));

  // Named again by CDS before it went: the same object serves on.
  ASSERT_TRUE(update(xds::kClusterType, {staticCluster("pinned", 1001)}, "c3").ok());
  EXPECT_EQ(cluster("pinned"), pinned);
}

TEST_F(ConfigManagerTest, EdsClusterWarmsUntilItsEndpointsArriveAndUnchangedKeepsItsObject) {
  ASSERT_TRUE(update(xds::kClusterType, {edsCluster("svc")}, "c1").ok());
  EXPECT_EQ(cluster("svc"), nullptr) << "warming: not published";
  EXPECT_THAT(manager_.configDumpJson(bootstrap_.proto),
              HasSubstr("\"dynamic_warming_clusters\":[{\"version_info\":\"c1\""));

  ASSERT_TRUE(update(xds::kEndpointType, {endpoints("svc", 2001)}, "e1").ok());
  auto svc = cluster("svc");
  ASSERT_NE(svc, nullptr);
  ASSERT_EQ(svc->hosts.size(), 1u);
  EXPECT_EQ(svc->hosts[0]->address.port(), 2001);
  EXPECT_THAT(manager_.lastSnapshotDiff().clusters.added, UnorderedElementsAre("svc"));

  // Same cluster and same endpoints again: the published object is the same one.
  ASSERT_TRUE(update(xds::kClusterType, {edsCluster("svc")}, "c2").ok());
  ASSERT_TRUE(update(xds::kEndpointType, {endpoints("svc", 2001)}, "e2").ok());
  EXPECT_EQ(cluster("svc"), svc);
  EXPECT_TRUE(manager_.lastSnapshotDiff().clusters.empty());

  // New endpoints: a new cluster object with them, nothing else changed.
  ASSERT_TRUE(update(xds::kEndpointType, {endpoints("svc", 2002)}, "e3").ok());
  ASSERT_NE(cluster("svc"), svc);
  EXPECT_EQ(cluster("svc")->hosts[0]->address.port(), 2002);
  EXPECT_THAT(manager_.lastSnapshotDiff().clusters.changed, UnorderedElementsAre("svc"));
  EXPECT_TRUE(manager_.lastSnapshotDiff().listeners.empty());
}

TEST_F(ConfigManagerTest, ARejectedUpdatePublishesNothingAndKeepsTheLastGoodConfig) {
  ASSERT_TRUE(update(xds::kClusterType, {staticCluster("a", 1001)}, "c1").ok());
  auto a = cluster("a");
  int published = published_;
  auto bad = anyFromYaml(
      "\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\nname: b\n"
      "connect_timeout: 1s\nlb_policy: LOAD_BALANCING_POLICY_CONFIG\n");
  auto status = update(xds::kClusterType, {staticCluster("a", 1009), bad}, "c2");
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(published_, published);
  EXPECT_EQ(cluster("a"), a);
  EXPECT_THAT(
      update(xds::kClusterType, {staticCluster("a", 1), staticCluster("a", 2)}, "c3").message(),
      HasSubstr("duplicate cluster 'a'"));
  EXPECT_THAT(
      update(xds::kListenerType,
             {anyFromYaml(
                 "\"@type\": type.googleapis.com/envoy.config.listener.v3.Listener\nname: tcp\n")},
             "l1")
          .message(),
      HasSubstr("listener 'tcp' is static and cannot be replaced by LDS"));
  EXPECT_EQ(published_, published);
}

}  // namespace
}  // namespace meshproxy::server
