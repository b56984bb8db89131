// envoy.filters.http.jwt_authn in the real meshproxy, with tokens signed by PyJWT (Debian's
// python3-jwt) over keys made by the openssl CLI: a remote JWKS served on loopback (fetched,
// cached, fetched again after cache_duration; unreachable -> 401 and a counter, no hang),
// claim_to_headers, the 401/403 answers with Envoy's www-authenticate, per-route
// requirement_name, and the payload in dynamic metadata deciding an RBAC `metadata` principal.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"
#include "tests/unit/jwt_authn/pyjwt_fixture.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string claims(const std::string& sub, const std::string& aud, int64_t exp_from_now) {
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  return absl::StrCat(R"({"iss": "https://issuer.test", "sub": ")", sub, R"(", "aud": ")", aud,
                      R"(", "exp": )", now + exp_from_now, "}");
}

// Keys and tokens for every test: alice and bob for audience "api", one expired, one for another
// audience, one signed by a key the JWKS does not have.
struct Tokens {
  TempDir dir;
  std::string alice, bob, expired, other_audience, unknown_key;
  std::string jwks;        // k1 only
  std::string jwks_other;  // k2 only

  Tokens() {
    const std::string k1 = jwt_test::makeKey(dir, "k1", "rsa2048");
    const std::string k2 = jwt_test::makeKey(dir, "k2", "P-256");
    const jwt_test::Signed s = jwt_test::signWithPyJwt(
        dir,
        {{"k1", {k1, R"("kid": "k1", "alg": "RS256", "use": "sig")"}},
         {"k2", {k2, R"("kid": "k2", "alg": "ES256", "use": "sig")"}}},
        {{"k1", "RS256", claims("alice", "api", 3600), R"({"kid": "k1"})"},
         {"k1", "RS256", claims("bob", "api", 3600), R"({"kid": "k1"})"},
         {"k1", "RS256", claims("alice", "api", -3600), R"({"kid": "k1"})"},
         {"k1", "RS256", claims("alice", "elsewhere", 3600), R"({"kid": "k1"})"},
         {"k2", "ES256", claims("alice", "api", 3600), R"({"kid": "k2"})"}});
    alice = s.tokens.at(0);
    bob = s.tokens.at(1);
    expired = s.tokens.at(2);
    other_audience = s.tokens.at(3);
    unknown_key = s.tokens.at(4);
    jwks = s.jwksJson({"k1"});
    jwks_other = s.jwksJson({"k2"});
  }
};

// The JWKS server (tests/support/jwks_server.py): serves `file` and counts the fetches.
class JwksServer {
 public:
  explicit JwksServer(const std::string& file)
      : process_({"/usr/bin/python3", sourcePath("tests/support/jwks_server.py"), file}) {
    waitUntil([&] { return process_.stdoutText().find('\n') != std::string::npos; },
              absl::Seconds(10));
    const std::string out = process_.stdoutText();
    if (out.starts_with("PORT ")) port_ = std::stoi(out.substr(5));
  }
  int port() const { return port_; }
  int fetches() const {
    HttpResponse r = httpGet("127.0.0.1", port_, "/count");
    return r.status == 200 ? std::stoi(r.body) : -1;
  }

 private:
  Process process_;
  int port_ = 0;
};

HeaderList bearer(const std::string& token) { return {{"authorization", "Bearer " + token}}; }

std::string jwtFilter(const std::string& jwks_source, const std::string& provider_extra = "") {
  return R"(          - name: envoy.filters.http.jwt_authn
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
              providers:
                issuer1:
                  issuer: https://issuer.test
                  audiences: [api]
)" + jwks_source +
         R"(                  claim_to_headers: [{header_name: x-user, claim_name: sub}]
                  payload_in_metadata: claims
)" + provider_extra +
         R"(              rules:
              - match: {prefix: /public}
              - match: {prefix: /}
                requires: {provider_name: issuer1}
              requirement_map:
                alice_only: {provider_and_audiences: {provider_name: issuer1, audiences: [api]}}
)";
}

std::string remoteJwks(const std::string& cache_duration) {
  return R"(                  remote_jwks:
                    http_uri: {uri: "http://jwks.test/keys", cluster: jwks, timeout: 2s}
                    cache_duration: )" +
         cache_duration + "\n";
}

class JwtAuthnRemoteJwksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(app_.ready());
    ASSERT_GT(jwks_server_.port(), 0) << "jwks_server.py did not start";
  }

  std::unique_ptr<HttpProxy> start(const std::string& filter, int jwks_port) {
    auto proxy = std::make_unique<HttpProxy>(
        HttpBootstrap{.clusters = {{.name = "app", .ports = {app_.port()}},
                                   {.name = "jwks", .ports = {jwks_port}}},
                      .http_filters = filter},
        MeshproxyOptions{.concurrency = 1});
    EXPECT_TRUE(proxy->ready());
    return proxy;
  }

  Tokens tokens_;
  std::string jwks_file_ = tokens_.dir.writeFile("served.json", tokens_.jwks);
  TestServerProcess app_{{.mode = "http", .name = "app"}};
  JwksServer jwks_server_{jwks_file_};
};

TEST_F(JwtAuthnRemoteJwksTest, FetchedOnceCachedAndFetchedAgainAfterCacheDuration) {
  auto proxy = start(jwtFilter(remoteJwks("2s")), jwks_server_.port());

  // No token: 401 with the realm only (Envoy's form for a missing token); nothing fetched.
  HttpResponse missing = proxy->get("/orders?page=1");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body, "Jwt is missing");
  EXPECT_EQ(missing.header("www-authenticate").value_or(""),
            absl::StrCat("Bearer realm=\"http://127.0.0.1:", proxy->port, "/orders?page=1\""));
  EXPECT_EQ(jwks_server_.fetches(), 0);

  // A good token: the JWKS is fetched, the claim goes upstream as x-user and the token does not
  // (forward: false).
  HttpResponse ok = proxy->get("/orders", bearer(tokens_.alice));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_THAT(ok.body, HasSubstr(R"("x-user": "alice")"));
  EXPECT_THAT(ok.body, Not(HasSubstr("authorization")));
  EXPECT_EQ(jwks_server_.fetches(), 1);

  // Within cache_duration: no new fetch.
  EXPECT_EQ(proxy->get("/orders", bearer(tokens_.bob)).status, 200);
  EXPECT_EQ(jwks_server_.fetches(), 1);

  // Public path: no token needed.
  EXPECT_EQ(proxy->get("/public/x").status, 200);

  // Expired: 401 with error="invalid_token"; another audience: 403.
  HttpResponse expired = proxy->get("/orders", bearer(tokens_.expired));
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.body, "Jwt is expired");
  EXPECT_EQ(expired.header("www-authenticate").value_or(""),
            absl::StrCat("Bearer realm=\"http://127.0.0.1:", proxy->port,
                         "/orders\", error=\"invalid_token\""));
  HttpResponse audience = proxy->get("/orders", bearer(tokens_.other_audience));
  EXPECT_EQ(audience.status, 403);
  EXPECT_EQ(audience.body, "Audiences in Jwt are not allowed");

  // After cache_duration the next request fetches again.
  absl::SleepFor(absl::Milliseconds(2200));
  EXPECT_EQ(proxy->get("/orders", bearer(tokens_.alice)).status, 200);
  EXPECT_EQ(jwks_server_.fetches(), 2);

  EXPECT_TRUE((*proxy)->waitForCounterAtLeast("http.ingress_http.jwt_authn.denied", 3));
  EXPECT_EQ((*proxy)->counterValue("http.ingress_http.jwt_authn.jwks_fetch_success").value_or(-1),
            2);
  EXPECT_EQ((*proxy)->counterValue("http.ingress_http.jwt_authn.allowed").value_or(-1),
            4);  // incl. /public
  EXPECT_EQ((*proxy)->counterValue("cluster.app.upstream_rq_total").value_or(-1), 4);
}

TEST_F(JwtAuthnRemoteJwksTest, RotatedKeysAreFetchedForAnUnknownKid) {
  auto proxy = start(jwtFilter(remoteJwks("600s")), jwks_server_.port());
  EXPECT_EQ(proxy->get("/orders", bearer(tokens_.alice)).status, 200);
  EXPECT_EQ(jwks_server_.fetches(), 1);
  // The issuer rotates to k2: a token with kid k2 makes the proxy refetch once.
  tokens_.dir.writeFile("served.json", tokens_.jwks_other);
  absl::SleepFor(absl::Milliseconds(1100));  // the unknown-kid refetch is throttled to 1/s
  HttpResponse rotated = proxy->get("/orders", bearer(tokens_.unknown_key));
  EXPECT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_EQ(jwks_server_.fetches(), 2);
}

TEST_F(JwtAuthnRemoteJwksTest, UnreachableJwksIs401AndCountedWithoutHanging) {
  const int closed_port = pickFreePort();
  auto proxy = start(jwtFilter(remoteJwks("600s")), closed_port);
  const absl::Time start = absl::Now();
  HttpResponse r = proxy->get("/orders", bearer(tokens_.alice), absl::Seconds(10));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, "Jwks remote fetch is failed");
  EXPECT_THAT(r.header("www-authenticate").value_or(""), HasSubstr(R"(error="invalid_token")"));
  // The next request tries again (no async_fetch: nothing holds it back) and fails the same way.
  EXPECT_EQ(proxy->get("/orders", bearer(tokens_.alice)).status, 401);
  EXPECT_TRUE((*proxy)->waitForCounterAtLeast("http.ingress_http.jwt_authn.jwks_fetch_failed", 2));
  EXPECT_EQ((*proxy)->counterValue("http.ingress_http.jwt_authn.denied").value_or(-1), 2);
  EXPECT_EQ((*proxy)->counterValue("cluster.app.upstream_rq_total").value_or(0), 0);
}

TEST_F(JwtAuthnRemoteJwksTest, AServerErrorIsRetriedPerRetryPolicy) {
  tokens_.dir.writeFile("served.json", "500");
  auto proxy = start(jwtFilter(remoteJwks("600s") +
                               "                    retry_policy: {num_retries: 2, retry_back_off: "
                               "{base_interval: 0.05s, max_interval: 0.1s}}\n"),
                     jwks_server_.port());
  EXPECT_EQ(proxy->get("/orders", bearer(tokens_.alice)).status, 401);
  EXPECT_EQ(jwks_server_.fetches(), 3);  // the first try and two retries
  EXPECT_EQ((*proxy)->counterValue("http.ingress_http.jwt_authn.jwks_fetch_failed").value_or(-1),
            1);
}

// payload_in_metadata feeds RBAC: only the subject "alice" may pass; bob's token is valid but
// RBAC denies it. A route naming a requirement_map entry works; an unknown name is 403.
TEST(JwtAuthnRbacTest, PayloadInMetadataDecidesRbacByClaim) {
  Tokens tokens;
  TestServerProcess app({.mode = "http", .name = "app"});
  ASSERT_TRUE(app.ready());
  const std::string jwks_path = tokens.dir.writeFile("local.json", tokens.jwks);
  const std::string rbac = R"(          - name: envoy.filters.http.rbac
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
              rules:
                action: ALLOW
                policies:
                  alice:
                    permissions: [{any: true}]
                    principals:
                    - metadata:
                        filter: envoy.filters.http.jwt_authn
                        path: [{key: claims}, {key: sub}]
                        value: {string_match: {exact: alice}}
)";
  const std::string routes = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: /named}
                route: {cluster: app}
                typed_per_filter_config:
                  envoy.filters.http.jwt_authn:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig
                    requirement_name: alice_only
              - match: {prefix: /wrong}
                route: {cluster: app}
                typed_per_filter_config:
                  envoy.filters.http.jwt_authn:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig
                    requirement_name: nobody
              - match: {prefix: /}
                route: {cluster: app}
)";
  HttpProxy proxy(
      HttpBootstrap{
          .route_config = routes,
          .clusters = {{.name = "app", .ports = {app.port()}}},
          .http_filters =
              jwtFilter("                  local_jwks: {filename: " + jwks_path + "}\n") + rbac},
      MeshproxyOptions{.concurrency = 2});
  ASSERT_TRUE(proxy.ready());

  EXPECT_EQ(proxy.get("/orders", bearer(tokens.alice)).status, 200);
  HttpResponse bob = proxy.get("/orders", bearer(tokens.bob));
  EXPECT_EQ(bob.status, 403);
  EXPECT_EQ(bob.body, "RBAC: access denied");
  // A missing token on the public path passes jwt_authn but has no claims for RBAC.
  EXPECT_EQ(proxy.get("/public").status, 403);

  EXPECT_EQ(proxy.get("/named", bearer(tokens.alice)).status, 200);
  EXPECT_EQ(proxy.get("/named").status, 401);
  HttpResponse wrong = proxy.get("/wrong", bearer(tokens.alice));
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.body, "Failed JWT authentication: Wrong requirement_name: nobody");

  EXPECT_TRUE(proxy->waitForCounterAtLeast("http.ingress_http.rbac.denied", 2));
  EXPECT_EQ(proxy->counterValue("http.ingress_http.rbac.allowed").value_or(-1), 2);
  EXPECT_EQ(proxy->counterValue("http.ingress_http.jwt_authn.denied").value_or(-1), 2);
}

TEST(JwtAuthnConfigTest, UnimplementedFieldIsAConfigErrorNamingIt) {
  TempDir dir;
  HttpBootstrap b{.listener_port = pickFreePort(),
                  .clusters = {{.name = "app", .ports = {1}}},
                  .http_filters = R"(          - name: envoy.filters.http.jwt_authn
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
              filter_state_rules: {name: x}
)"};
  const std::string path = dir.writeFile("bootstrap.yaml", httpBootstrapYaml(b));
  CommandResult r =
      runCommand({binPath("meshproxy"), "-c", path, "--concurrency", "1"}, absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("filter_state_rules"));
}

}  // namespace
}  // namespace meshproxy::testing
