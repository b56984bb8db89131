// The ADS client's protocol, checked request by request against a server the test drives:
// initial requests, ACK (version + nonce), NACK (previous version + nonce + error), RDS/EDS
// subscriptions that follow LDS/CDS, warming, and resubscription after a reconnect.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "envoy/config/route/v3/route.pb.h"
#include "tests/integration/http_test_util.h"
#include "tests/integration/xds_test_util.h"
#include "tests/support/fake_ads_server.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class XdsProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(upstream_.ready()); }
  void startProxy() {
    proxy_ = std::make_unique<MeshproxyProcess>(adsBootstrap(ads_.port()),
                                                MeshproxyOptions{.concurrency = 1, .wait_ready = false});
    ASSERT_TRUE(ads_.waitForStream());
  }
  // Drives the proxy to a fully configured state: cluster "backend" (EDS), listener on
  // listener_port_ with route "main".
  void configure() {
    auto cds = ads_.waitRequest(kCds);
    ASSERT_TRUE(cds.has_value());
    std::string n1 = ads_.respond(kCds, "c1", {edsCluster("backend")});
    auto cds_ack = ads_.waitRequest(kCds);
    ASSERT_TRUE(cds_ack.has_value());
    EXPECT_EQ(cds_ack->version_info(), "c1");
    EXPECT_EQ(cds_ack->response_nonce(), n1);
    auto eds = ads_.waitRequest(kEds);
    ASSERT_TRUE(eds.has_value());
    EXPECT_THAT(names(*eds), ElementsAre("backend"));
    std::string n2 = ads_.respond(kEds, "e1", {endpoints("backend", upstream_.port())});
    auto eds_ack = ads_.waitRequest(kEds);
    ASSERT_TRUE(eds_ack.has_value());
    EXPECT_EQ(eds_ack->version_info(), "e1");
    EXPECT_EQ(eds_ack->response_nonce(), n2);

    auto lds = ads_.waitRequest(kLds);
    ASSERT_TRUE(lds.has_value());
    std::string n3 = ads_.respond(kLds, "l1", {rdsListener("web", listener_port_, "main")});
    auto lds_ack = ads_.waitRequest(kLds);
    ASSERT_TRUE(lds_ack.has_value());
    EXPECT_EQ(lds_ack->version_info(), "l1");
    EXPECT_EQ(lds_ack->response_nonce(), n3);
    auto rds = ads_.waitRequest(kRds);
    ASSERT_TRUE(rds.has_value());
    EXPECT_THAT(names(*rds), ElementsAre("main"));
    // The listener is warming until its routes arrive.
    EXPECT_EQ(proxy_->adminGet("/ready").status, 503);
    std::string n4 = ads_.respond(kRds, "r1", {routeConfig("main", "backend")});
    auto rds_ack = ads_.waitRequest(kRds);
    ASSERT_TRUE(rds_ack.has_value());
    EXPECT_EQ(rds_ack->version_info(), "r1");
    EXPECT_EQ(rds_ack->response_nonce(), n4);
    ASSERT_TRUE(proxy_->waitReady(absl::Seconds(5)));
  }

  FakeAdsServer ads_;
  TestServerProcess upstream_{{.mode = "http", .name = "backend"}};
  int listener_port_ = pickFreePort();
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(XdsProtocolTest, FirstRequestsCarryTheNodeAndComeClustersFirst) {
  startProxy();
  auto first = ads_.waitRequest("");
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->type_url(), kCds);
  EXPECT_EQ(first->node().id(), "sidecar-1");
  EXPECT_EQ(first->node().cluster(), "web");
  EXPECT_EQ(first->node().user_agent_name(), "meshproxy");
  EXPECT_FALSE(first->node().user_agent_version().empty());
  EXPECT_EQ(first->node().metadata().fields().at("NAMESPACE").string_value(), "default");
  EXPECT_EQ(first->version_info(), "");
  EXPECT_EQ(first->response_nonce(), "");
  EXPECT_TRUE(first->resource_names().empty());  // wildcard
  auto second = ads_.waitRequest("");
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->type_url(), kLds);
  EXPECT_FALSE(second->has_node()) << "the node goes on the first request only";
}

TEST_F(XdsProtocolTest, AcksAppliesAndRoutesTraffic) {
  startProxy();
  configure();
  auto r = httpGet("127.0.0.1", listener_port_, "/hello");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(jsonField(r.body, "server"), "backend");
  auto dump = proxy_->adminGet("/config_dump").body;
  EXPECT_THAT(dump, HasSubstr("\"dynamic_active_clusters\":[{\"version_info\":\"c1\""));
  EXPECT_THAT(dump, HasSubstr("\"active_state\":{\"version_info\":\"l1\""));
  EXPECT_THAT(dump, HasSubstr("\"dynamic_route_configs\":[{\"version_info\":\"r1\""));
  EXPECT_EQ(proxy_->counterValue("control_plane.connected_state"), 1);
  EXPECT_EQ(proxy_->counterValue("listener_manager.lds.update_success"), 1);
}

TEST_F(XdsProtocolTest, NackKeepsThePreviousVersionAndTheTraffic) {
  startProxy();
  configure();
  std::string bad_nonce = ads_.respond(kRds, "r2", {routeConfig("main", "backend", "(unclosed")});
  auto nack = ads_.waitRequest(kRds);
  ASSERT_TRUE(nack.has_value());
  EXPECT_EQ(nack->version_info(), "r1") << "a NACK carries the last accepted version";
  EXPECT_EQ(nack->response_nonce(), bad_nonce);
  EXPECT_TRUE(nack->has_error_detail());
  EXPECT_THAT(nack->error_detail().message(), HasSubstr("route_configuration 'main'"));
  EXPECT_THAT(nack->error_detail().message(), HasSubstr("(unclosed"));
  EXPECT_EQ(httpGet("127.0.0.1", listener_port_, "/still").status, 200);
  EXPECT_EQ(proxy_->counterValue("control_plane.rds.update_rejected"), 1);

  // A listener with an unknown filter is rejected by name too, and nothing changes.
  std::string lds_nonce = ads_.respond(kLds, "l2", {anyFromYaml(absl::StrCat(R"("@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: web
address: { socket_address: { address: 127.0.0.1, port_value: )", listener_port_, R"( } }
filter_chains: [ { filters: [ { name: x, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router } } ] } ]
)"))});
  auto lds_nack = ads_.waitRequest(kLds);
  ASSERT_TRUE(lds_nack.has_value());
  EXPECT_EQ(lds_nack->version_info(), "l1");
  EXPECT_EQ(lds_nack->response_nonce(), lds_nonce);
  EXPECT_THAT(lds_nack->error_detail().message(), HasSubstr("unsupported extension"));
  EXPECT_EQ(httpGet("127.0.0.1", listener_port_, "/still").status, 200);
}

TEST_F(XdsProtocolTest, ReconnectResubscribesWithTheAcceptedVersions) {
  startProxy();
  configure();
  ads_.closeStream();
  ASSERT_TRUE(waitUntil([&] { return ads_.streamsSeen() == 2; }, absl::Seconds(10)));
  std::map<std::string, DiscoveryRequest> seen;
  for (int i = 0; i < 4; ++i) {
    auto r = ads_.waitRequest("", absl::Seconds(5));
    ASSERT_TRUE(r.has_value()) << "request " << i;
    seen[r->type_url()] = *r;
  }
  EXPECT_EQ(seen[kCds].version_info(), "c1");
  EXPECT_EQ(seen[kLds].version_info(), "l1");
  EXPECT_EQ(seen[kEds].version_info(), "e1");
  EXPECT_THAT(names(seen[kEds]), ElementsAre("backend"));
  EXPECT_EQ(seen[kRds].version_info(), "r1");
  EXPECT_THAT(names(seen[kRds]), ElementsAre("main"));
  for (const auto& [type, r] : seen) EXPECT_EQ(r.response_nonce(), "") << type;
  // Traffic never depended on the stream.
  EXPECT_EQ(httpGet("127.0.0.1", listener_port_, "/after").status, 200);
}

// gRPC's default 4 MiB receive limit made a large route table drop the stream and reconnect
// ~4.5 times a second: the update was never applied, and never NACKed either.
TEST_F(XdsProtocolTest, AFiveMegabyteRouteConfigurationIsAppliedAndAcked) {
  startProxy();
  configure();
  envoy::config::route::v3::RouteConfiguration big;
  big.set_name("main");
  auto* vhost = big.add_virtual_hosts();
  vhost->set_name("all");
  vhost->add_domains("*");
  const std::string padding(230, 'x');
  for (int i = 0; i < 20000; ++i) {
    auto* route = vhost->add_routes();
    route->mutable_match()->set_prefix(absl::StrCat("/r", i, "-", padding));
    route->mutable_route()->set_cluster("backend");
  }
  ASSERT_GT(big.ByteSizeLong(), 5'000'000u);
  google::protobuf::Any any;
  any.PackFrom(big);
  std::string nonce = ads_.respond(kRds, "r-big", {any});
  auto ack = ads_.waitRequest(kRds, absl::Seconds(30));
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->version_info(), "r-big");
  EXPECT_EQ(ack->response_nonce(), nonce);
  EXPECT_FALSE(ack->has_error_detail()) << ack->error_detail().message();
  EXPECT_EQ(ads_.streamsSeen(), 1) << "the stream was dropped";
  // The new table serves: its last route answers, and "/" (only in r1) no longer matches.
  ASSERT_TRUE(waitUntil(
      [&] { return httpGet("127.0.0.1", listener_port_, "/other").status == 404; },
      absl::Seconds(10)));
  EXPECT_EQ(httpGet("127.0.0.1", listener_port_, absl::StrCat("/r19999-", padding, "/x")).status,
            200);
  EXPECT_EQ(proxy_->counterValue("control_plane.rds.update_success"), 2);
  EXPECT_EQ(proxy_->counterValue("control_plane.response_too_large"), 0);
}

}  // namespace
}  // namespace meshproxy::testing
