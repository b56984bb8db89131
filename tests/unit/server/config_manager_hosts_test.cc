// Hosts are shared, stateful objects: an EDS, CDS or DNS update that delivers the same
// endpoint again must hand the workers the same Host object, so health flags, outlier
// counters and the workers' connection pools for it survive the rebuild.
#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "tests/unit/server/config_manager_fixture.h"
#include "xds/client/type_urls.h"

namespace meshproxy::server {
namespace {

using envoy::config::cluster::v3::Cluster;
using envoy::config::endpoint::v3::ClusterLoadAssignment;

using Fixture = ConfigManagerFixture;

google::protobuf::Any edsCluster(const std::string& name, int connect_timeout_ms) {
  Cluster cluster;
  cluster.set_name(name);
  cluster.set_type(Cluster::EDS);
  cluster.mutable_eds_cluster_config()->mutable_eds_config()->mutable_ads();
  cluster.mutable_connect_timeout()->set_nanos(connect_timeout_ms * 1000000);
  google::protobuf::Any any;
  any.PackFrom(cluster);
  return any;
}

google::protobuf::Any endpoints(const std::string& cluster,
                                std::vector<std::pair<std::string, uint32_t>> hosts,
                                const std::string& unhealthy_ip = "") {
  ClusterLoadAssignment cla;
  cla.set_cluster_name(cluster);
  auto* locality = cla.add_endpoints();
  for (const auto& [ip, weight] : hosts) {
    auto* lb_endpoint = locality->add_lb_endpoints();
    auto* address = lb_endpoint->mutable_endpoint()->mutable_address()->mutable_socket_address();
    address->set_address(ip);
    address->set_port_value(8080);
    lb_endpoint->mutable_load_balancing_weight()->set_value(weight);
    if (ip == unhealthy_ip) lb_endpoint->set_health_status(envoy::config::core::v3::UNHEALTHY);
  }
  google::protobuf::Any any;
  any.PackFrom(cla);
  return any;
}

TEST(ConfigManagerHostsTest, HostStateSurvivesAnEdsUpdateWithTheSameAddresses) {
  Fixture f;
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kClusterType, {edsCluster("backend", 250)}, "1").ok());
  ASSERT_TRUE(f.manager
                  ->onConfigUpdate(xds::kEndpointType,
                                   {endpoints("backend", {{"10.0.0.1", 1}, {"10.0.0.2", 1}})}, "1")
                  .ok());
  ASSERT_NE(f.published, nullptr);
  upstream::HostVector before = f.hosts("backend");
  ASSERT_EQ(before.size(), 2u);
  // State the main thread keeps on a host (outlier detection, health checks, later).
  before[1]->setHealthFlag(upstream::HealthFlag::kFailedOutlierCheck);
  before[1]->outcomes(0).error.fetch_add(3);

  // Same addresses, one new endpoint, a new weight for the second.
  ASSERT_TRUE(f.manager
                  ->onConfigUpdate(
                      xds::kEndpointType,
                      {endpoints("backend", {{"10.0.0.1", 1}, {"10.0.0.2", 5}, {"10.0.0.3", 1}})},
                      "2")
                  .ok());
  upstream::HostVector after = f.hosts("backend");
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0], before[0]);
  EXPECT_EQ(after[1], before[1]);
  EXPECT_EQ(after[1]->weight(), 5u);
  EXPECT_TRUE(after[1]->healthFlag(upstream::HealthFlag::kFailedOutlierCheck));
  EXPECT_EQ(after[1]->outcomeTotals().error, 3u);

  // A CDS update of the cluster itself (new connect_timeout) keeps the hosts too.
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kClusterType, {edsCluster("backend", 500)}, "3").ok());
  EXPECT_EQ(f.published->clusters.at("backend")->connect_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(f.hosts("backend")[1], before[1]);
  // And so do its per-cluster resource counters.
  EXPECT_EQ(f.published->clusters.at("backend")->resources.get(),
            upstream::ClusterResources::forCluster(f.store, "backend").get());

  // An endpoint that goes away and comes back is a new host.
  ASSERT_TRUE(
      f.manager->onConfigUpdate(xds::kEndpointType, {endpoints("backend", {{"10.0.0.1", 1}})}, "4")
          .ok());
  ASSERT_TRUE(f.manager
                  ->onConfigUpdate(xds::kEndpointType,
                                   {endpoints("backend", {{"10.0.0.1", 1}, {"10.0.0.2", 1}})}, "5")
                  .ok());
  EXPECT_EQ(f.hosts("backend")[0], before[0]);
  EXPECT_NE(f.hosts("backend")[1], before[1]);
  EXPECT_TRUE(f.hosts("backend")[1]->healthy());
}

TEST(ConfigManagerHostsTest, EdsHealthStatusIsAFlagOnTheSameHost) {
  Fixture f;
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kClusterType, {edsCluster("backend", 250)}, "1").ok());
  ASSERT_TRUE(f.manager
                  ->onConfigUpdate(xds::kEndpointType,
                                   {endpoints("backend", {{"10.0.0.1", 1}, {"10.0.0.2", 1}})}, "1")
                  .ok());
  upstream::HostVector before = f.hosts("backend");
  before[1]->outcomes(0).local_origin_failure.fetch_add(2);

  // EDS calls the second endpoint unhealthy: it stays, flagged, as the same object.
  ASSERT_TRUE(f.manager
                  ->onConfigUpdate(
                      xds::kEndpointType,
                      {endpoints("backend", {{"10.0.0.1", 1}, {"10.0.0.2", 1}}, "10.0.0.2")}, "2")
                  .ok());
  upstream::ClusterConfigSharedPtr flagged = f.published->clusters.at("backend");
  ASSERT_EQ(flagged->hosts.size(), 2u);
  EXPECT_EQ(flagged->hosts[1], before[1]);
  EXPECT_TRUE(before[1]->healthFlag(upstream::HealthFlag::kFailedEdsHealth));
  EXPECT_FALSE(before[1]->healthy());
  EXPECT_EQ(f.store.scope("cluster", "backend").gauge("membership_total").value(), 2);
  EXPECT_EQ(f.store.scope("cluster", "backend").gauge("membership_healthy").value(), 1);

  // Healthy again: the flag clears on the same object, whose counters survived.
  ASSERT_TRUE(f.manager
                  ->onConfigUpdate(xds::kEndpointType,
                                   {endpoints("backend", {{"10.0.0.1", 1}, {"10.0.0.2", 1}})}, "3")
                  .ok());
  EXPECT_NE(f.published->clusters.at("backend"), flagged);  // the workers rebuild
  EXPECT_EQ(f.hosts("backend")[1], before[1]);
  EXPECT_TRUE(before[1]->healthy());
  EXPECT_EQ(before[1]->outcomeTotals().local_origin_failure, 2u);
  EXPECT_EQ(f.store.scope("cluster", "backend").gauge("membership_healthy").value(), 2);
}

TEST(ConfigManagerHostsTest, AnUnchangedEdsUpdateDoesNotRebuildTheCluster) {
  Fixture f;
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kClusterType, {edsCluster("backend", 250)}, "1").ok());
  ASSERT_TRUE(
      f.manager->onConfigUpdate(xds::kEndpointType, {endpoints("backend", {{"10.0.0.1", 1}})}, "1")
          .ok());
  upstream::ClusterConfigSharedPtr first = f.published->clusters.at("backend");
  ASSERT_TRUE(
      f.manager->onConfigUpdate(xds::kEndpointType, {endpoints("backend", {{"10.0.0.1", 1}})}, "2")
          .ok());
  // Same config object: workers keep their cluster state as it is.
  EXPECT_EQ(f.published->clusters.at("backend"), first);
}

}  // namespace
}  // namespace meshproxy::server
