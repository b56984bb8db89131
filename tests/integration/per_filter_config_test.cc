// typed_per_filter_config end to end: entries meshproxy can apply load, entries it cannot
// are refused by name, optional ones are skipped (Envoy's FilterConfig.is_optional).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/http_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

CommandResult runMeshproxy(std::vector<std::string> args) {
  args.insert(args.begin(), binPath("meshproxy"));
  return runCommand(args, absl::Seconds(10));
}

std::string routeConfigWith(std::string_view route_per_filter) {
  return std::string(R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              typed_per_filter_config:
                envoy.filters.http.ext_authz:
                  "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                  disabled: true
              routes:
              - match: { prefix: / }
                route: { cluster: v1 }
                typed_per_filter_config:
)") + std::string(route_per_filter);
}

TEST(PerFilterConfigIntegrationTest, OptionalAndDisablingEntriesLoadAndServe) {
  TestServerProcess upstream({.mode = "http", .name = "v1"});
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy(
      HttpBootstrap{.route_config = routeConfigWith(R"(                  envoy.filters.http.rbac:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    is_optional: true
                    config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
)"),
                    .clusters = {{.name = "v1", .ports = {upstream.port()}}}});
  ASSERT_TRUE(proxy.ready());
  EXPECT_EQ(proxy.get("/hello").status, 200);
}

// FilterConfig.disabled leaves the filter out of the chain of requests its route matches. The
// only filter the binary has is the router: without it nothing answers the request, and the
// stream idle timeout does (408), while the other route still reaches the upstream.
TEST(PerFilterConfigIntegrationTest, DisabledFilterIsLeftOutOfTheChainForItsRoute) {
  TestServerProcess upstream({.mode = "http", .name = "v1"});
  ASSERT_TRUE(upstream.ready());
  HttpProxy proxy(HttpBootstrap{.route_config = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: /unrouted }
                route: { cluster: v1 }
                typed_per_filter_config:
                  envoy.filters.http.router:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    disabled: true
              - match: { prefix: / }
                route: { cluster: v1 }
)",
                                .clusters = {{.name = "v1", .ports = {upstream.port()}}},
                                .hcm_extra = "          stream_idle_timeout: 0.3s\n"});
  ASSERT_TRUE(proxy.ready());
  EXPECT_EQ(proxy.get("/routed").status, 200);
  HttpResponse unrouted = proxy.get("/unrouted");
  EXPECT_EQ(unrouted.status, 408);
  EXPECT_EQ(unrouted.header("x-meshproxy-reason"), "stream_idle_timeout");
}

TEST(PerFilterConfigIntegrationTest, EntriesWithoutATranslatorAreRefusedByName) {
  TempDir dir;
  std::string yaml = httpBootstrapYaml(
      HttpBootstrap{.listener_port = pickFreePort(),
                    .route_config = routeConfigWith(R"(                  envoy.filters.http.rbac:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
)"),
                    .clusters = {{.name = "v1", .ports = {1}}}});
  auto result = runMeshproxy({"-c", dir.writeFile("b.yaml", yaml)});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.stderr_text,
              HasSubstr("typed_per_filter_config 'envoy.filters.http.rbac': unsupported per-route "
                        "filter config type "
                        "'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router'"));
}

}  // namespace
}  // namespace meshproxy::testing
