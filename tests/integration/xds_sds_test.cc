// SDS over the ADS stream, against a server the test drives: secrets are requested as soon as
// a listener or cluster names them, the listener warms until they arrive, a secret whose key
// does not match its certificate is NACKed (naming it) while the old certificate keeps
// serving, and a good new one serves the next handshake. /config_dump shows the secrets with
// their private keys redacted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "envoy/extensions/transport_sockets/tls/v3/secret.pb.h"
#include "tests/integration/http_test_util.h"
#include "tests/integration/tls_test_util.h"
#include "tests/integration/xds_test_util.h"
#include "tests/support/fake_ads_server.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSds[] = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret";

google::protobuf::Any certificateSecret(const std::string& name, const CertAndKey& pair) {
  envoy::extensions::transport_sockets::tls::v3::Secret secret;
  secret.set_name(name);
  secret.mutable_tls_certificate()->mutable_certificate_chain()->set_inline_string(pair.cert_pem);
  secret.mutable_tls_certificate()->mutable_private_key()->set_inline_string(pair.key_pem);
  google::protobuf::Any any;
  any.PackFrom(secret);
  return any;
}

google::protobuf::Any caSecret(const std::string& name, const std::string& ca_pem) {
  envoy::extensions::transport_sockets::tls::v3::Secret secret;
  secret.set_name(name);
  secret.mutable_validation_context()->mutable_trusted_ca()->set_inline_string(ca_pem);
  google::protobuf::Any any;
  any.PackFrom(secret);
  return any;
}

google::protobuf::Any staticCluster(const std::string& name, int port,
                                    const std::string& tls = "") {
  std::string yaml =
      absl::StrCat("\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\nname: ", name,
                   "\ntype: STATIC\nconnect_timeout: 1s\nload_assignment: { cluster_name: ", name,
                   ", endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: { "
                   "address: 127.0.0.1, port_value: ",
                   port, " } } } } ] } ] }\n");
  if (!tls.empty()) absl::StrAppend(&yaml, "transport_socket: ", tls, "\n");
  return anyFromYaml(yaml);
}

// An HTTP listener terminating TLS with the SDS certificate `secret`.
google::protobuf::Any sdsTlsListener(const std::string& name, int port, const std::string& secret,
                                     const std::string& cluster,
                                     const std::string& initial_fetch_timeout = "30s") {
  return anyFromYaml(absl::StrCat(
      R"("@type": type.googleapis.com/envoy.config.listener.v3.Listener
name: )",
      name, R"(
address: { socket_address: { address: 127.0.0.1, port_value: )",
      port, R"( } }
filter_chains:
- transport_socket:
    name: envoy.transport_sockets.tls
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
      common_tls_context:
        tls_certificate_sds_secret_configs:
        - { name: )",
      secret, R"(, sds_config: { ads: {}, resource_api_version: V3, initial_fetch_timeout: )",
      initial_fetch_timeout, R"( } }
  filters:
  - name: envoy.filters.network.http_connection_manager
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
      stat_prefix: ingress
      route_config: { virtual_hosts: [ { name: all, domains: ["*"], routes: [ { match: { prefix: / }, route: { cluster: )",
      cluster, R"( } } ] } ] }
      http_filters:
      - name: envoy.filters.http.router
        typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
)"));
}

class XdsSdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(upstream_.ready());
    proxy_ = std::make_unique<MeshproxyProcess>(
        adsBootstrap(ads_.port()), MeshproxyOptions{.concurrency = 1, .wait_ready = false});
    ASSERT_TRUE(ads_.waitForStream());
  }

  // CDS (plain cluster "app"), then LDS naming secret "server_cert"; answers SDS with `first`.
  void configure(const CertAndKey& first) {
    ASSERT_TRUE(ads_.waitRequest(kCds).has_value());
    ads_.respond(kCds, "c1", {staticCluster("app", upstream_.port())});
    ASSERT_TRUE(ads_.waitRequest(kCds).has_value());  // ACK
    ASSERT_TRUE(ads_.waitRequest(kLds).has_value());
    ads_.respond(kLds, "l1", {sdsTlsListener("inbound", port_, "server_cert", "app")});
    auto sds = ads_.waitRequest(kSds);
    ASSERT_TRUE(sds.has_value());
    EXPECT_THAT(names(*sds), ElementsAre("server_cert"));
    EXPECT_EQ(sds->version_info(), "");
    // Warming: the listener's certificate has not arrived.
    EXPECT_EQ(proxy_->adminGet("/ready").status, 503);
    auto dump = proxy_->adminGet("/config_dump").body;
    EXPECT_THAT(dump, HasSubstr("\"dynamic_warming_secrets\":[{\"name\":\"server_cert\"}]"));
    EXPECT_THAT(dump, HasSubstr("\"warming_state\":{\"version_info\":\"l1\""));
    std::string nonce = ads_.respond(kSds, "s1", {certificateSecret("server_cert", first)});
    auto ack = ads_.waitRequest(kSds);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->version_info(), "s1");
    EXPECT_EQ(ack->response_nonce(), nonce);
    EXPECT_FALSE(ack->has_error_detail());
    ASSERT_TRUE(proxy_->waitReady(absl::Seconds(5)));
  }

  // The serial of the certificate a new handshake sees, as openssl prints it ("serial=5EED").
  std::string serialOfNewHandshake() {
    auto r = runCommand({"sh", "-c",
                         absl::StrCat("openssl s_client -connect 127.0.0.1:", port_,
                                      " </dev/null 2>/dev/null | openssl x509 -noout -serial")},
                        absl::Seconds(20));
    return r.stdout_text;
  }

  CommandResult curlHttps() {
    return curl({"-sk", "-w", "\\n%{http_code}", absl::StrCat("https://127.0.0.1:", port_, "/")});
  }

  FakeAdsServer ads_;
  TestServerProcess upstream_{{.mode = "http", .name = "app"}};
  int port_ = pickFreePort();
  TestCa ca_{"sds test root"};
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(XdsSdsTest, ListenerWarmsUntilItsSecretArrivesThenServesTls) {
  CertAndKey first = ca_.issue({.dns_sans = {"backend.test"}, .serial = 0x1001});
  configure(first);
  EXPECT_THAT(serialOfNewHandshake(), HasSubstr("serial=1001"));
  auto r = curlHttps();
  EXPECT_THAT(r.stdout_text, EndsWith("\n200")) << r.stderr_text;
  EXPECT_EQ(proxy_->counterValue("control_plane.sds.update_success"), 1);
  EXPECT_EQ(proxy_->counterValue("control_plane.sds.update_rejected"), 0);

  auto dump = proxy_->adminGet("/config_dump").body;
  EXPECT_THAT(dump, HasSubstr("envoy.admin.v3.SecretsConfigDump"));
  EXPECT_THAT(
      dump,
      HasSubstr("\"dynamic_active_secrets\":[{\"name\":\"server_cert\",\"version_info\":\"s1\""));
  EXPECT_THAT(dump, HasSubstr("[redacted]"));
  EXPECT_THAT(dump, Not(HasSubstr("PRIVATE KEY"))) << "private keys never appear in the dump";
  EXPECT_THAT(dump, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(dump, HasSubstr("\"dynamic_warming_secrets\":[]"));
}

TEST_F(XdsSdsTest, KeyThatDoesNotMatchIsNackedAndTheOldCertificateKeepsServing) {
  configure(ca_.issue({.dns_sans = {"backend.test"}, .serial = 0x1001}));
  CertAndKey mismatched = ca_.issue({.dns_sans = {"backend.test"}, .serial = 0x2002});
  mismatched.key_pem = generateKeyPem();
  std::string bad_nonce = ads_.respond(kSds, "s2", {certificateSecret("server_cert", mismatched)});
  auto nack = ads_.waitRequest(kSds);
  ASSERT_TRUE(nack.has_value());
  EXPECT_EQ(nack->version_info(), "s1") << "a NACK carries the last accepted version";
  EXPECT_EQ(nack->response_nonce(), bad_nonce);
  ASSERT_TRUE(nack->has_error_detail());
  EXPECT_THAT(nack->error_detail().message(), HasSubstr("secret 'server_cert'"));
  EXPECT_EQ(proxy_->counterValue("control_plane.sds.update_rejected"), 1);
  EXPECT_THAT(serialOfNewHandshake(), HasSubstr("serial=1001"));
  EXPECT_THAT(curlHttps().stdout_text, EndsWith("\n200"));

  // All or nothing: one good and one bad secret in a response apply neither.
  CertAndKey good = ca_.issue({.dns_sans = {"backend.test"}, .serial = 0x3003});
  ads_.respond(kSds, "s3",
               {certificateSecret("server_cert", good), caSecret("other", "not a PEM")});
  auto nack2 = ads_.waitRequest(kSds);
  ASSERT_TRUE(nack2.has_value());
  EXPECT_EQ(nack2->version_info(), "s1");
  EXPECT_THAT(nack2->error_detail().message(), HasSubstr("secret 'other'"));
  EXPECT_THAT(serialOfNewHandshake(), HasSubstr("serial=1001"));

  // A good one is ACKed and the next handshake presents it.
  std::string nonce = ads_.respond(kSds, "s4", {certificateSecret("server_cert", good)});
  auto ack = ads_.waitRequest(kSds);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->version_info(), "s4");
  EXPECT_EQ(ack->response_nonce(), nonce);
  EXPECT_FALSE(ack->has_error_detail());
  EXPECT_THAT(serialOfNewHandshake(), HasSubstr("serial=3003"));
  EXPECT_EQ(proxy_->counterValue("control_plane.sds.update_success"), 2);
}

TEST_F(XdsSdsTest, ClusterWarmsUntilItsSecretsArrive) {
  // A cluster whose UpstreamTlsContext names SDS secrets is not active before both arrive.
  ASSERT_TRUE(ads_.waitRequest(kCds).has_value());
  std::string tls = absl::StrCat(
      "{name: envoy.transport_sockets.tls, typed_config: {\"@type\": "
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, "
      "common_tls_context: {tls_certificate_sds_secret_configs: [{name: default, sds_config: {ads: "
      "{}}}], "
      "validation_context_sds_secret_config: {name: ROOTCA, sds_config: {ads: {}}}}}}");
  ads_.respond(kCds, "c1", {staticCluster("mtls", upstream_.port(), tls)});
  auto sds = ads_.waitRequest(kSds);
  ASSERT_TRUE(sds.has_value());
  EXPECT_THAT(names(*sds), ElementsAre("ROOTCA", "default"));
  auto dump = proxy_->adminGet("/config_dump").body;
  EXPECT_THAT(dump, HasSubstr("\"dynamic_warming_clusters\":[{\"version_info\":\"c1\""));
  // Only one of the two: still warming.
  ads_.respond(kSds, "s1", {caSecret("ROOTCA", ca_.certPem())});
  ASSERT_TRUE(ads_.waitRequest(kSds).has_value());
  dump = proxy_->adminGet("/config_dump").body;
  EXPECT_THAT(dump, HasSubstr("\"dynamic_warming_clusters\":[{\"version_info\":\"c1\""));
  ads_.respond(
      kSds, "s2",
      {caSecret("ROOTCA", ca_.certPem()),
       certificateSecret("default",
                         ca_.issue({.uri_sans = {"spiffe://cluster.local/ns/default/sa/web"}}))});
  auto ack = ads_.waitRequest(kSds);
  ASSERT_TRUE(ack.has_value());
  EXPECT_EQ(ack->version_info(), "s2");
  EXPECT_TRUE(waitUntil(
      [&] {
        return proxy_->adminGet("/config_dump")
                   .body.find("\"dynamic_active_clusters\":[{\"version_info\":\"c1\"") !=
               std::string::npos;
      },
      absl::Seconds(5), absl::Milliseconds(100)));
}

TEST_F(XdsSdsTest, ListenerGoesLiveAfterTheSecretsInitialFetchTimeout) {
  ASSERT_TRUE(ads_.waitRequest(kCds).has_value());
  ads_.respond(kCds, "c1", {staticCluster("app", upstream_.port())});
  ASSERT_TRUE(ads_.waitRequest(kLds).has_value());
  absl::Time sent = absl::Now();
  ads_.respond(kLds, "l1", {sdsTlsListener("inbound", port_, "server_cert", "app", "1s")});
  ASSERT_TRUE(ads_.waitRequest(kSds).has_value());
  // The secret never comes: after its initial_fetch_timeout the listener is activated anyway
  // (as Envoy does), and handshakes fail until the certificate arrives.
  EXPECT_EQ(proxy_->adminGet("/ready").status, 503);
  ASSERT_TRUE(proxy_->waitReady(absl::Seconds(5)));
  EXPECT_GE(absl::Now() - sent, absl::Milliseconds(900));
  EXPECT_THAT(proxy_->adminGet("/config_dump").body,
              HasSubstr("\"dynamic_warming_secrets\":[{\"name\":\"server_cert\"}]"));
  EXPECT_THAT(curlHttps().stdout_text, Not(EndsWith("\n200")));
  ads_.respond(kSds, "s1", {certificateSecret("server_cert", ca_.issue({.serial = 0x4004}))});
  ASSERT_TRUE(ads_.waitRequest(kSds).has_value());
  EXPECT_THAT(serialOfNewHandshake(), HasSubstr("serial=4004"));
  EXPECT_THAT(curlHttps().stdout_text, EndsWith("\n200"));
}

}  // namespace
}  // namespace meshproxy::testing
