// How active health checks meet discovery in the snapshot builder: a new host starts failed,
// a health change republishes the cluster as a new object (workers rebuild), a removed host
// stays while it passes its checks unless ignore_health_on_host_removal.
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

google::protobuf::Any edsCluster(bool ignore_health_on_host_removal) {
  Cluster cluster;
  cluster.set_name("backend");
  cluster.set_type(Cluster::EDS);
  cluster.mutable_eds_cluster_config()->mutable_eds_config()->mutable_ads();
  cluster.set_ignore_health_on_host_removal(ignore_health_on_host_removal);
  auto* hc = cluster.add_health_checks();
  hc->mutable_timeout()->set_seconds(1);
  hc->mutable_interval()->set_seconds(1);
  hc->mutable_unhealthy_threshold()->set_value(1);
  hc->mutable_healthy_threshold()->set_value(1);
  hc->mutable_tcp_health_check();
  google::protobuf::Any any;
  any.PackFrom(cluster);
  return any;
}

google::protobuf::Any endpoints(const std::vector<std::string>& ips) {
  ClusterLoadAssignment cla;
  cla.set_cluster_name("backend");
  auto* locality = cla.add_endpoints();
  for (const auto& ip : ips) {
    auto* address = locality->add_lb_endpoints()
                        ->mutable_endpoint()
                        ->mutable_address()
                        ->mutable_socket_address();
    address->set_address(ip);
    address->set_port_value(8080);
  }
  google::protobuf::Any any;
  any.PackFrom(cla);
  return any;
}

TEST(HealthCheckHostsTest, NewHostsStartFailedUntilTheirFirstCheck) {
  Fixture f;
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kClusterType, {edsCluster(false)}, "1").ok());
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kEndpointType, {endpoints({"10.0.0.1"})}, "1").ok());
  ASSERT_EQ(f.cluster()->hosts.size(), 1u);
  upstream::HostSharedPtr first = f.cluster()->hosts[0];
  EXPECT_TRUE(first->healthFlag(upstream::HealthFlag::kFailedActiveHc));
  EXPECT_EQ(f.cluster()->stats->membership_healthy.value(), 0);
  // The check passed (the health checker clears the flag), and says so.
  first->clearHealthFlag(upstream::HealthFlag::kFailedActiveHc);
  upstream::ClusterConfigSharedPtr before = f.cluster();
  f.manager->hostHealthChanged({"backend"});
  EXPECT_NE(f.cluster(), before) << "workers rebuild only for a new cluster object";
  EXPECT_EQ(f.cluster()->hosts[0], first);
  EXPECT_EQ(f.cluster()->stats->membership_healthy.value(), 1);
  // Another endpoint joins: it starts failed, the first one keeps its state.
  ASSERT_TRUE(
      f.manager->onConfigUpdate(xds::kEndpointType, {endpoints({"10.0.0.1", "10.0.0.2"})}, "2")
          .ok());
  ASSERT_EQ(f.cluster()->hosts.size(), 2u);
  EXPECT_TRUE(f.cluster()->hosts[0]->healthy());
  EXPECT_TRUE(f.cluster()->hosts[1]->healthFlag(upstream::HealthFlag::kFailedActiveHc));
}

TEST(HealthCheckHostsTest, RemovedHostStaysWhileItPassesItsChecks) {
  Fixture f;
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kClusterType, {edsCluster(false)}, "1").ok());
  ASSERT_TRUE(
      f.manager->onConfigUpdate(xds::kEndpointType, {endpoints({"10.0.0.1", "10.0.0.2"})}, "1")
          .ok());
  for (const auto& host : f.cluster()->hosts) {
    host->clearHealthFlag(upstream::HealthFlag::kFailedActiveHc);
  }
  upstream::HostSharedPtr leaving = f.cluster()->hosts[1];
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kEndpointType, {endpoints({"10.0.0.1"})}, "2").ok());
  ASSERT_EQ(f.cluster()->hosts.size(), 2u) << "still passing its checks";
  EXPECT_EQ(f.cluster()->hosts[1], leaving);
  // An unrelated rebuild does not make a new object for it.
  upstream::ClusterConfigSharedPtr before = f.cluster();
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kEndpointType, {endpoints({"10.0.0.1"})}, "3").ok());
  EXPECT_EQ(f.cluster(), before);
  // It fails a check: gone with the next build.
  leaving->setHealthFlag(upstream::HealthFlag::kFailedActiveHc);
  f.manager->hostHealthChanged({"backend"});
  ASSERT_EQ(f.cluster()->hosts.size(), 1u);
  EXPECT_EQ(f.cluster()->hosts[0]->address().str(), "10.0.0.1:8080");
}

TEST(HealthCheckHostsTest, IgnoreHealthOnHostRemovalDropsAtOnce) {
  Fixture f;
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kClusterType, {edsCluster(true)}, "1").ok());
  ASSERT_TRUE(
      f.manager->onConfigUpdate(xds::kEndpointType, {endpoints({"10.0.0.1", "10.0.0.2"})}, "1")
          .ok());
  for (const auto& host : f.cluster()->hosts) {
    host->clearHealthFlag(upstream::HealthFlag::kFailedActiveHc);
  }
  ASSERT_TRUE(f.manager->onConfigUpdate(xds::kEndpointType, {endpoints({"10.0.0.1"})}, "2").ok());
  EXPECT_EQ(f.cluster()->hosts.size(), 1u);
}

}  // namespace
}  // namespace meshproxy::server
