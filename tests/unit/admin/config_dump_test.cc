// /config_dump rendering: Envoy's ConfigDump sections, static vs dynamic resource shapes,
// listener states, and private keys redacted.
#include "proxy/admin/config_dump.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/secret.pb.h"

namespace meshproxy::admin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::chrono::system_clock::time_point at(int64_t seconds) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

TEST(ConfigDumpTest, EmptyConfigHasEverySectionInEnvoysOrder) {
  envoy::config::bootstrap::v3::Bootstrap bootstrap;
  ConfigDumpSections d{.bootstrap = &bootstrap};
  EXPECT_EQ(
      renderConfigDump(d),
      "{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\","
      "\"bootstrap\":{}},"
      "{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\","
      "\"static_clusters\":[],\"dynamic_active_clusters\":[],\"dynamic_warming_clusters\":[]},"
      "{\"@type\":\"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\","
      "\"static_listeners\":[],\"dynamic_listeners\":[]},"
      "{\"@type\":\"type.googleapis.com/envoy.admin.v3.RoutesConfigDump\","
      "\"dynamic_route_configs\":[]},"
      "{\"@type\":\"type.googleapis.com/envoy.admin.v3.EndpointsConfigDump\","
      "\"dynamic_endpoint_configs\":[]},"
      "{\"@type\":\"type.googleapis.com/envoy.admin.v3.SecretsConfigDump\","
      "\"dynamic_active_secrets\":[],\"dynamic_warming_secrets\":[]}]}");
}

TEST(ConfigDumpTest, StaticAndDynamicClustersAndListenerStates) {
  envoy::config::bootstrap::v3::Bootstrap bootstrap;
  envoy::config::cluster::v3::Cluster a, b;
  a.set_name("a");
  b.set_name("b");
  envoy::config::listener::v3::Listener l;
  l.set_name("web");
  ConfigDumpSections d{
      .bootstrap = &bootstrap, .clusters_version = "c2", .listeners_version = "l2"};
  d.static_clusters.push_back({.proto = &a, .last_updated = at(0)});
  d.dynamic_active_clusters.push_back({.proto = &b, .version = "c1", .last_updated = at(1)});
  d.dynamic_listeners.push_back({.name = "web",
                                 .active = DumpedResource{&l, "l1", at(2)},
                                 .draining = DumpedResource{&l, "l0", at(3)}});
  std::string out = renderConfigDump(d);
  EXPECT_THAT(out,
              HasSubstr("\"version_info\":\"c2\",\"static_clusters\":[{\"cluster\":{\"@type\":"
                        "\"type.googleapis.com/envoy.config.cluster.v3.Cluster\",\"name\":\"a\"},"
                        "\"last_updated\":\"1970-01-01T00:00:00.000Z\"}]"));
  EXPECT_THAT(out,
              HasSubstr("\"dynamic_active_clusters\":[{\"version_info\":\"c1\",\"cluster\":{"));
  EXPECT_THAT(out, HasSubstr("\"dynamic_listeners\":[{\"name\":\"web\",\"active_state\":{"
                             "\"version_info\":\"l1\",\"listener\":{"));
  EXPECT_THAT(out, HasSubstr("\"draining_state\":{\"version_info\":\"l0\""));
  EXPECT_THAT(out, Not(HasSubstr("warming_state")));
}

TEST(ConfigDumpTest, PrivateKeysAreRedactedWhereTheyCameIn) {
  envoy::config::bootstrap::v3::Bootstrap bootstrap;
  envoy::extensions::transport_sockets::tls::v3::Secret secret;
  secret.set_name("cert");
  auto* cert = secret.mutable_tls_certificate();
  cert->mutable_certificate_chain()->set_inline_string("-----BEGIN CERTIFICATE-----");
  cert->mutable_private_key()->set_inline_string("-----BEGIN PRIVATE KEY-----");
  cert->mutable_password()->set_inline_bytes("hunter2");
  ConfigDumpSections d{.bootstrap = &bootstrap};
  d.dynamic_active_secrets.push_back(
      {.name = "cert", .secret = &secret, .version = "s1", .last_updated = at(0)});
  d.dynamic_warming_secrets.push_back("ROOTCA");
  std::string out = renderConfigDump(d);
  EXPECT_THAT(out, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(out, Not(HasSubstr("PRIVATE KEY")));
  EXPECT_THAT(out, Not(HasSubstr("aHVudGVyMg==")));  // "hunter2": bytes are base64 in JSON
  EXPECT_THAT(out, HasSubstr("\"password\":{\"inline_bytes\":\"W3JlZGFjdGVkXQ==\"}"));
  EXPECT_THAT(out, HasSubstr("\"private_key\":{\"inline_string\":\"[redacted]\"}"));
  EXPECT_THAT(out,
              HasSubstr("\"dynamic_active_secrets\":[{\"name\":\"cert\",\"version_info\":\"s1\""));
  EXPECT_THAT(out, HasSubstr("\"dynamic_warming_secrets\":[{\"name\":\"ROOTCA\"}]"));
  EXPECT_EQ(secret.tls_certificate().private_key().inline_string(), "-----BEGIN PRIVATE KEY-----")
      << "the caller's proto is left alone";
}

}  // namespace
}  // namespace meshproxy::admin
