// Every RBAC principal kind and combinator.

#include <gtest/gtest.h>

#include "tests/unit/rbac/rbac_test_util.h"

namespace meshproxy::filters::rbac {
namespace {

using testing::FakeSsl;
using testing::mustEngine;
using testing::policyYaml;
using testing::Request;

bool admits(const std::string& principal, const Request& request) {
  auto engine = mustEngine(policyYaml("{any: true}", principal));
  return engine != nullptr && engine->evaluate(request.view()).allowed;
}

constexpr const char* kFrontend = "spiffe://cluster.local/ns/shop/sa/frontend";

Request mtls(std::vector<std::string> uris, std::vector<std::string> dns = {},
             std::string subject = "") {
  Request r;
  r.ssl.emplace();
  r.ssl->uri_sans = std::move(uris);
  r.ssl->dns_sans = std::move(dns);
  r.ssl->subject = std::move(subject);
  return r;
}

TEST(RbacPrincipalTest, Any) { EXPECT_TRUE(admits("{any: true}", Request{})); }

TEST(RbacPrincipalTest, AuthenticatedPrincipalIsTheSpiffeId) {
  const std::string frontend =
      std::string("{authenticated: {principal_name: {exact: '") + kFrontend + "'}}}";
  EXPECT_TRUE(admits(frontend, mtls({kFrontend})));
  EXPECT_FALSE(admits(frontend, mtls({"spiffe://cluster.local/ns/shop/sa/batch"})));
  // One of several URI SANs is enough.
  EXPECT_TRUE(admits(frontend, mtls({"urn:x", kFrontend})));
  // A whole namespace.
  EXPECT_TRUE(
      admits("{authenticated: {principal_name: {prefix: 'spiffe://cluster.local/ns/shop/'}}}",
             mtls({kFrontend})));
  // Plaintext, or TLS without a client certificate: not authenticated.
  EXPECT_FALSE(admits(frontend, Request{}));
  Request no_cert = mtls({});
  no_cert.ssl->presented = false;
  EXPECT_FALSE(admits("{authenticated: {}}", no_cert));
  // authenticated without principal_name: any peer certificate.
  EXPECT_TRUE(admits("{authenticated: {}}", mtls({}, {}, "CN=x")));
  EXPECT_FALSE(admits("{authenticated: {}}", Request{}));
}

TEST(RbacPrincipalTest, AuthenticatedFallsBackToDnsSansThenSubject) {
  EXPECT_TRUE(admits("{authenticated: {principal_name: {exact: api.example.com}}}",
                     mtls({kFrontend}, {"api.example.com"}, "CN=api")));
  EXPECT_TRUE(admits("{authenticated: {principal_name: {exact: 'CN=api,O=example'}}}",
                     mtls({}, {}, "CN=api,O=example")));
  // The subject is tried even when SANs exist (Envoy's order: URI, DNS, subject).
  EXPECT_TRUE(admits("{authenticated: {principal_name: {exact: 'CN=api'}}}",
                     mtls({kFrontend}, {}, "CN=api")));
  EXPECT_FALSE(admits("{authenticated: {principal_name: {exact: 'CN=other'}}}",
                      mtls({kFrontend}, {"a"}, "CN=api")));
}

TEST(RbacPrincipalTest, DirectRemoteSourceAndRemoteIp) {
  Request r;                                             // socket peer 192.168.1.10
  r.remote = *network::Address::parse("203.0.113.7:0");  // from x-forwarded-for
  EXPECT_TRUE(admits("{direct_remote_ip: {address_prefix: 192.168.1.0, prefix_len: 24}}", r));
  EXPECT_FALSE(admits("{direct_remote_ip: {address_prefix: 203.0.113.0, prefix_len: 24}}", r));
  EXPECT_TRUE(admits("{remote_ip: {address_prefix: 203.0.113.0, prefix_len: 24}}", r));
  EXPECT_FALSE(admits("{remote_ip: {address_prefix: 192.168.1.0, prefix_len: 24}}", r));
  // source_ip honours the PROXY protocol but not x-forwarded-for: the socket peer here.
  EXPECT_TRUE(admits("{source_ip: {address_prefix: 192.168.1.10, prefix_len: 32}}", r));
  // Without a resolved remote, remote_ip is the peer.
  r.remote.reset();
  EXPECT_TRUE(admits("{remote_ip: {address_prefix: 192.168.0.0, prefix_len: 16}}", r));
}

TEST(RbacPrincipalTest, HeaderUrlPathAndMetadata) {
  Request r;
  r.headers.add(":path", "/public/x");
  r.headers.add("x-user", "alice");
  r.metadata.set("envoy.filters.http.jwt_authn", R"({"payload": {"sub": "alice"}})");
  EXPECT_TRUE(admits("{header: {name: x-user, string_match: {exact: alice}}}", r));
  EXPECT_FALSE(admits("{header: {name: x-user, string_match: {exact: bob}}}", r));
  EXPECT_TRUE(admits("{url_path: {path: {prefix: /public/}}}", r));
  EXPECT_TRUE(admits(
      "{metadata: {filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub}], "
      "value: {string_match: {exact: alice}}}}",
      r));
  EXPECT_FALSE(admits(
      "{metadata: {filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub}], "
      "value: {string_match: {exact: bob}}}}",
      r));
}

TEST(RbacPrincipalTest, AndOrNot) {
  Request r = mtls({kFrontend});
  const std::string spiffe =
      std::string("{authenticated: {principal_name: {exact: '") + kFrontend + "'}}}";
  const std::string lan = "{direct_remote_ip: {address_prefix: 192.168.0.0, prefix_len: 16}}";
  const std::string wan = "{direct_remote_ip: {address_prefix: 8.8.8.0, prefix_len: 24}}";
  EXPECT_TRUE(admits("{and_ids: {ids: [" + spiffe + ", " + lan + "]}}", r));
  EXPECT_FALSE(admits("{and_ids: {ids: [" + spiffe + ", " + wan + "]}}", r));
  EXPECT_TRUE(admits("{or_ids: {ids: [" + wan + ", " + spiffe + "]}}", r));
  EXPECT_FALSE(admits("{or_ids: {ids: [" + wan + ", {not_id: " + spiffe + "}]}}", r));
  EXPECT_TRUE(admits("{not_id: " + wan + "}", r));
  EXPECT_FALSE(admits("{not_id: " + spiffe + "}", r));
}

}  // namespace
}  // namespace meshproxy::filters::rbac
