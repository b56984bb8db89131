// envoy.filters.http.ext_authz in the real meshproxy against real authorization servers: the
// HTTP service (tests/support/http_authz_server.py) and the gRPC service (a grpc++
// envoy.service.auth.v3.Authorization server, tests/support/ext_authz/) behind an mTLS listener,
// so the attribute context carries the client's SPIFFE ID. Allow, deny, timeout, unreachable
// with failure_mode_allow, request body, per-route disabled and context_extensions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/integration/tls_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A server that prints "PORT <n>" when ready.
class PortPrintingServer {
 public:
  explicit PortPrintingServer(std::vector<std::string> argv) : process_(std::move(argv)) {
    waitUntil([&] { return process_.stdoutText().find('\n') != std::string::npos; },
              absl::Seconds(10));
    const std::string out = process_.stdoutText();
    if (out.starts_with("PORT ")) port_ = std::stoi(out.substr(5));
  }
  int port() const { return port_; }
  std::string stderrText() const { return process_.stderrText(); }

 private:
  Process process_;
  int port_ = 0;
};

int64_t counter(MeshproxyProcess& proxy, const std::string& name) {
  return proxy.counterValue(name).value_or(-1);
}

// --- HTTP service ---------------------------------------------------------------------------

std::string httpAuthzFilter(const std::string& extra) {
  return R"(          - name: envoy.filters.http.ext_authz
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
              http_service:
                server_uri: {uri: "http://authz.test", cluster: authz, timeout: 0.5s}
                path_prefix: /check
                authorization_request:
                  allowed_headers: {patterns: [{exact: x-authz}]}
                  headers_to_add: [{key: x-added, value: by-proxy}]
                authorization_response:
                  allowed_upstream_headers:
                    patterns: [{exact: x-authz-path}, {exact: X-Authz-Added}, {exact: x-authz-auth},
                               {exact: x-authz-body}, {prefix: x-authz-user}]
                  allowed_client_headers: {patterns: [{exact: x-deny-reason}]}
)" + extra;
}

const char kPublicRoute[] = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: /health}
                route: {cluster: app}
                typed_per_filter_config:
                  envoy.filters.http.ext_authz:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute
                    disabled: true
              - match: {prefix: /}
                route: {cluster: app}
)";

class ExtAuthzHttpServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(app_.ready());
    ASSERT_GT(authz_.port(), 0) << authz_.stderrText();
  }
  std::unique_ptr<HttpProxy> start(const std::string& filter, int authz_port) {
    auto proxy = std::make_unique<HttpProxy>(
        HttpBootstrap{.route_config = kPublicRoute,
                      .clusters = {{.name = "app", .ports = {app_.port()}},
                                   {.name = "authz", .ports = {authz_port}}},
                      .http_filters = filter},
        MeshproxyOptions{.concurrency = 1});
    EXPECT_TRUE(proxy->ready());
    return proxy;
  }
  HttpResponse request(HttpProxy& proxy, const std::string& method, const std::string& path,
                       HeaderList headers, const std::string& body = "") {
    return httpRequest("127.0.0.1", proxy.port, method, path, headers, body, absl::Seconds(10));
  }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  PortPrintingServer authz_{{"/usr/bin/python3", sourcePath("tests/support/http_authz_server.py")}};
};

TEST_F(ExtAuthzHttpServiceTest, AllowDenyTimeoutBodyAndPerRouteDisable) {
  auto proxy = start(httpAuthzFilter("              status_on_error: {code: 503}\n"
                                     "              with_request_body: {max_request_bytes: 16}\n"),
                     authz_.port());

  // Allowed: the server was asked at path_prefix + path with the Authorization header and
  // headers_to_add; its allowed headers reach the app.
  HttpResponse ok = request(*proxy, "GET", "/orders?id=7", {{"authorization", "Bearer abc"}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_THAT(ok.body, HasSubstr(R"("x-authz-path": "/check/orders?id=7")"));
  EXPECT_THAT(ok.body, HasSubstr(R"("x-authz-added": "by-proxy")"));
  EXPECT_THAT(ok.body, HasSubstr(R"("x-authz-auth": "Bearer abc")"));
  EXPECT_THAT(ok.body, HasSubstr(R"("x-authz-user": "checked")"));

  // The body (under max_request_bytes) goes to the server.
  HttpResponse with_body = request(*proxy, "POST", "/orders", {}, "small");
  EXPECT_EQ(with_body.status, 200) << with_body.body;
  EXPECT_THAT(with_body.body, HasSubstr(R"("x-authz-body": "small")"));
  // Over max_request_bytes without allow_partial_message: 413, nothing asked.
  EXPECT_EQ(request(*proxy, "POST", "/orders", {}, std::string(100, 'x')).status, 413);

  // Denied: the server's status and body, only the allowed client headers.
  HttpResponse denied = request(*proxy, "GET", "/orders", {{"x-authz", "deny"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body, "denied by http authz");
  EXPECT_EQ(denied.header("x-deny-reason").value_or(""), "policy");
  EXPECT_FALSE(denied.hasHeader("x-internal"));

  // No answer within the timeout: status_on_error.
  const absl::Time start_time = absl::Now();
  EXPECT_EQ(request(*proxy, "GET", "/orders", {{"x-authz", "slow"}}).status, 503);
  EXPECT_LT(absl::Now() - start_time, absl::Seconds(2));

  // ExtAuthzPerRoute disabled: no check at all.
  EXPECT_EQ(request(*proxy, "GET", "/health", {{"x-authz", "deny"}}).status, 200);

  EXPECT_TRUE((*proxy)->waitForCounterAtLeast("http.ingress_http.ext_authz.error", 1));
  EXPECT_EQ(counter(*proxy->process, "http.ingress_http.ext_authz.ok"), 2);
  EXPECT_EQ(counter(*proxy->process, "http.ingress_http.ext_authz.denied"), 1);
  EXPECT_EQ(counter(*proxy->process, "cluster.app.upstream_rq_total"), 3);
}

TEST_F(ExtAuthzHttpServiceTest, UnreachableServiceWithFailureModeAllowPassesAndMarksTheRequest) {
  auto proxy = start(httpAuthzFilter("              failure_mode_allow: true\n"
                                     "              failure_mode_allow_header_add: true\n"),
                     pickFreePort());
  HttpResponse r = request(*proxy, "GET", "/orders", {});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr(R"("x-envoy-auth-failure-mode-allowed": "true")"));
  EXPECT_TRUE(
      (*proxy)->waitForCounterAtLeast("http.ingress_http.ext_authz.failure_mode_allowed", 1));
  EXPECT_EQ(counter(*proxy->process, "http.ingress_http.ext_authz.error"), 1);
}

TEST_F(ExtAuthzHttpServiceTest, UnreachableServiceWithoutFailureModeAllowIs403) {
  auto proxy = start(httpAuthzFilter(""), pickFreePort());
  EXPECT_EQ(request(*proxy, "GET", "/orders", {}).status, 403);
  EXPECT_EQ(counter(*proxy->process, "cluster.app.upstream_rq_total"), 0);
}

// --- gRPC service over an mTLS listener ------------------------------------------------------

const std::string kGrpcFilter =
    "{name: envoy.filters.http.ext_authz, typed_config: {\"@type\": "
    "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz, "
    "transport_api_version: V3, grpc_service: {envoy_grpc: {cluster_name: authz}, timeout: 0.5s}, "
    "with_request_body: {max_request_bytes: 1024, allow_partial_message: true}}}, ";

const std::string kGrpcRoutes =
    "{match: {prefix: /health}, route: {cluster: app}, typed_per_filter_config: "
    "{envoy.filters.http.ext_authz: {\"@type\": "
    "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute, disabled: "
    "true}}}, "
    "{match: {prefix: /orders}, route: {cluster: app}, typed_per_filter_config: "
    "{envoy.filters.http.ext_authz: {\"@type\": "
    "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute, "
    "check_settings: {context_extensions: {team: payments}}}}}, "
    "{match: {prefix: /}, route: {cluster: app}}";

class ExtAuthzGrpcServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(app_.ready());
    ASSERT_GT(authz_.port(), 0) << authz_.stderrText();
    server_ = pki_.issue(
        "backend",
        {.common_name = "backend", .uri_sans = {kBackendId}, .dns_sans = {"backend.test"}});
    frontend_ = pki_.issue("frontend", {.common_name = "frontend", .uri_sans = {kFrontendId}});
    log_path_ = pki_.dir().filePath("access.log");
    TlsListenerSpec listener{.port = port_,
                             .stat_prefix = "inbound_http",
                             .transport_socket = downstreamTls(server_, pki_.caPath(), true, {}),
                             .access_log_path = log_path_,
                             .http_filters_before = kGrpcFilter,
                             .routes = kGrpcRoutes,
                             .access_log_format =
                                 "%REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_CODE_DETAILS% "
                                 "%DYNAMIC_METADATA(envoy.filters.http.ext_authz:checked_by)%\\n"};
    proxy_ = std::make_unique<MeshproxyProcess>(
        tlsBootstrapYaml({listener}, {{.name = "app", .port = app_.port()},
                                      {.name = "authz",
                                       .port = authz_.port(),
                                       .extra = "    http2_protocol_options: {}\n"}}),
        MeshproxyOptions{.concurrency = 2});
    ASSERT_TRUE(proxy_->ready());
  }

  CommandResult call(const std::vector<std::string>& extra, const std::string& path) {
    std::vector<std::string> args = {"-sS",    "-D",           "-",     "--cacert",   pki_.caPath(),
                                     "--cert", frontend_.cert, "--key", frontend_.key};
    args.insert(args.end(), extra.begin(), extra.end());
    return curlTls(port_, args, path);
  }
  std::string accessLog() {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  TestServerProcess app_{{.mode = "http", .name = "app"}};
  PortPrintingServer authz_{{binPath("mesh-ext-authz-grpc-server")}};
  TestPki pki_;
  CertFiles server_;
  CertFiles frontend_;
  std::string log_path_;
  int port_ = pickFreePort();
  std::unique_ptr<MeshproxyProcess> proxy_;
};

TEST_F(ExtAuthzGrpcServiceTest, CheckCarriesTheAttributeContextAndItsAnswerIsApplied) {
  CommandResult ok = call({"-X", "POST", "-d", "hello", "-H", "x-remove-me: 1"}, "/orders/1");
  ASSERT_TRUE(ok.ok()) << ok.stderr_text;
  const std::string& out = ok.stdout_text;
  EXPECT_THAT(out, HasSubstr("\n200"));
  // What the server saw, echoed back through ok_response headers to the app.
  EXPECT_THAT(out, HasSubstr(absl::StrCat(R"("x-authz-principal": ")", kFrontendId, "\"")));
  EXPECT_THAT(out, HasSubstr(absl::StrCat(R"("x-authz-dest-principal": ")", kBackendId, "\"")));
  EXPECT_THAT(out, HasSubstr(R"("x-authz-method": "POST")"));
  EXPECT_THAT(out, HasSubstr(R"("x-authz-path": "/orders/1")"));
  EXPECT_THAT(out, HasSubstr(R"("x-authz-context": "team=payments")"));
  EXPECT_THAT(out, HasSubstr(R"("x-authz-body": "hello")"));
  EXPECT_THAT(out, Not(HasSubstr("x-remove-me")));       // headers_to_remove
  EXPECT_THAT(out, HasSubstr("x-authz-response: yes"));  // response_headers_to_add

  CommandResult denied = call({"-H", "x-authz: deny"}, "/other");
  EXPECT_THAT(denied.stdout_text, HasSubstr("denied by grpc authz\n403"));
  EXPECT_THAT(denied.stdout_text, HasSubstr("x-deny-reason: policy"));

  // Slower than the 0.5 s timeout: an error, answered with status_on_error (403).
  CommandResult slow = call({"-H", "x-authz: slow"}, "/other");
  EXPECT_THAT(slow.stdout_text, HasSubstr("\n403"));

  // Disabled on /health.
  CommandResult health = call({"-H", "x-authz: deny"}, "/health");
  EXPECT_THAT(health.stdout_text, HasSubstr("\n200"));

  EXPECT_TRUE(proxy_->waitForCounterAtLeast("http.inbound_http.ext_authz.error", 1));
  EXPECT_EQ(counter(*proxy_, "http.inbound_http.ext_authz.ok"), 1);
  EXPECT_EQ(counter(*proxy_, "http.inbound_http.ext_authz.denied"), 1);
  EXPECT_EQ(counter(*proxy_, "cluster.app.upstream_rq_total"), 2);

  ASSERT_TRUE(
      waitUntil([&] { return accessLog().find("/health") != std::string::npos; }, absl::Seconds(5)))
      << accessLog();
  EXPECT_THAT(accessLog(), HasSubstr("/orders/1 200 - grpc"));
  EXPECT_THAT(accessLog(), HasSubstr("/other 403 ext_authz_denied -"));
  EXPECT_THAT(accessLog(), HasSubstr("/other 403 ext_authz_error -"));
}

TEST(ExtAuthzConfigTest, UnimplementedFieldIsAConfigErrorNamingIt) {
  TempDir dir;
  HttpBootstrap b{.listener_port = pickFreePort(),
                  .clusters = {{.name = "app", .ports = {1}}},
                  .http_filters = httpAuthzFilter(
                      "              filter_enabled: {default_value: {numerator: 50}}\n")};
  const std::string path = dir.writeFile("bootstrap.yaml", httpBootstrapYaml(b));
  CommandResult r =
      runCommand({binPath("meshproxy"), "-c", path, "--concurrency", "1"}, absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("filter_enabled"));
}

// The network filter is not implemented: a config naming it is refused, by name.
TEST(ExtAuthzConfigTest, NetworkExtAuthzIsRefusedByName) {
  TempDir dir;
  TcpProxyBootstrap b{.listener_port = pickFreePort(),
                      .upstream_ports = {1},
                      .filters_before = R"(      - name: envoy.filters.network.ext_authz
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.ext_authz.v3.ExtAuthz
          grpc_service: {envoy_grpc: {cluster_name: backend}}
          stat_prefix: authz
)"};
  const std::string path = dir.writeFile("bootstrap.yaml", tcpProxyBootstrapYaml(b));
  CommandResult r =
      runCommand({binPath("meshproxy"), "-c", path, "--concurrency", "1"}, absl::Seconds(20));
  EXPECT_EQ(r.exit_code, 1) << r.stderr_text;
  EXPECT_THAT(r.stderr_text, HasSubstr("envoy.filters.network.ext_authz"));
}

}  // namespace
}  // namespace meshproxy::testing
