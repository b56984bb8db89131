#include "proxy/protobuf/supported_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/cluster/v3/cluster.pb.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

TEST(SupportedFieldsTest, AllowsListedFieldsAndLeafTypes) {
  protobuf::SupportedFields fields = {{"envoy.config.cluster.v3.Cluster", {"name", "connect_timeout"}}};
  envoy::config::cluster::v3::Cluster c;
  c.set_name("x");
  c.mutable_connect_timeout()->set_seconds(1);  // a Duration: a leaf, not entered
  EXPECT_TRUE(fields.check(c).ok());
}

TEST(SupportedFieldsTest, NamesTheFirstUnlistedFieldWithItsPath) {
  protobuf::SupportedFields fields = {
      {"envoy.config.cluster.v3.Cluster", {"name", "load_assignment"}},
      {"envoy.config.endpoint.v3.ClusterLoadAssignment", {"endpoints"}},
      {"envoy.config.endpoint.v3.LocalityLbEndpoints", {"lb_endpoints"}},
  };
  envoy::config::cluster::v3::Cluster c;
  c.set_name("x");
  c.mutable_load_assignment()->add_endpoints();
  c.mutable_load_assignment()->add_endpoints();
  c.mutable_load_assignment()->mutable_endpoints(1)->set_priority(2);
  auto s = fields.check(c, "cluster");
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("'cluster.load_assignment.endpoints[1].priority'"));
  EXPECT_THAT(std::string(s.message()),
              HasSubstr("envoy.config.endpoint.v3.LocalityLbEndpoints.priority"));
}

TEST(SupportedFieldsTest, UnknownMessageTypeIsUnsupported) {
  protobuf::SupportedFields fields = {{"envoy.config.cluster.v3.Cluster", {"name", "load_assignment"}}};
  envoy::config::cluster::v3::Cluster c;
  c.mutable_load_assignment()->set_cluster_name("y");
  EXPECT_FALSE(fields.check(c).ok());
}

TEST(SupportedFieldsTest, DelegatedFieldsAreNotEntered) {
  protobuf::SupportedFields fields = {{"envoy.config.cluster.v3.Cluster", {"load_assignment*"}}};
  envoy::config::cluster::v3::Cluster c;
  c.mutable_load_assignment()->set_cluster_name("y");
  EXPECT_TRUE(fields.check(c).ok());
}

TEST(SupportedFieldsTest, MergeUnions) {
  protobuf::SupportedFields a = {{"envoy.config.cluster.v3.Cluster", {"name"}}};
  protobuf::SupportedFields b = {{"envoy.config.cluster.v3.Cluster", {"alt_stat_name"}}};
  a.merge(b);
  envoy::config::cluster::v3::Cluster c;
  c.set_name("x");
  c.set_alt_stat_name("y");
  EXPECT_TRUE(a.check(c).ok());
}

}  // namespace
}  // namespace meshproxy::config
