// The layered runtime in the real binary: a static layer value steers a route's
// runtime_fraction, POST /runtime_modify changes it while serving, GET /runtime shows it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/integration/http_test_util.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kRoutes[] = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - name: canary
                match:
                  prefix: /
                  runtime_fraction:
                    default_value: { numerator: 0, denominator: HUNDRED }
                    runtime_key: routing.canary_percent
                direct_response: { status: 200, body: { inline_string: "canary" } }
              - name: stable
                match: { prefix: / }
                direct_response: { status: 200, body: { inline_string: "stable" } }
)";

constexpr char kRuntime[] = R"(layered_runtime:
  layers:
  - name: static_layer_0
    static_layer:
      routing:
        canary_percent: 100
      re2.max_program_size.error_level: 1000
  - name: admin
    admin_layer: {}
)";

class RuntimeIntegrationTest : public ::testing::Test {
 protected:
  // Counts "canary" answers among n requests.
  int canaries(int n) {
    int count = 0;
    for (int i = 0; i < n; ++i) {
      auto r = httpRequest("127.0.0.1", port_, "GET", "/", {}, "", absl::Seconds(5));
      EXPECT_EQ(r.status, 200);
      count += r.body == "canary";
    }
    return count;
  }
  int port_ = pickFreePort();
};

TEST_F(RuntimeIntegrationTest, StaticLayerSteersRoutingAndAdminLayerChangesIt) {
  std::string yaml = httpBootstrapYaml({.listener_port = port_, .route_config = kRoutes});
  MeshproxyProcess proxy(yaml + kRuntime, {.concurrency = 2});
  ASSERT_TRUE(proxy.ready());
  // The static layer sets 100 %: every request takes the canary route (default is 0 %).
  EXPECT_EQ(canaries(20), 20);

  auto modify = proxy.adminPost("/runtime_modify?routing.canary_percent=0");
  EXPECT_EQ(modify.status, 200);
  EXPECT_EQ(modify.body, "OK\n");
  // Workers get the new snapshot through their loops: poll briefly for it to land everywhere.
  ASSERT_TRUE(waitUntil([&] { return canaries(10) == 0; }, absl::Seconds(5)));
  EXPECT_EQ(canaries(20), 0);

  auto runtime = proxy.adminGet("/runtime");
  ASSERT_EQ(runtime.status, 200);
  EXPECT_EQ(runtime.header("content-type"), "application/json");
  EXPECT_THAT(runtime.body, HasSubstr(R"("layers":["static_layer_0","admin"])"));
  EXPECT_THAT(runtime.body, HasSubstr(R"("routing.canary_percent":{"layer_values":["100","0"],)"
                                      R"("final_value":"0"})"));
  EXPECT_THAT(runtime.body, HasSubstr(R"("re2.max_program_size.error_level":)"));

  // An empty value removes the admin override: the static 100 % applies again.
  EXPECT_EQ(proxy.adminPost("/runtime_modify?routing.canary_percent=").status, 200);
  ASSERT_TRUE(waitUntil([&] { return canaries(10) == 10; }, absl::Seconds(5)));

  // A fraction in between splits by the stream's random value.
  EXPECT_EQ(proxy.adminPost("/runtime_modify?routing.canary_percent=50").status, 200);
  ASSERT_TRUE(waitUntil(
      [&] {
        int n = canaries(200);
        return n > 40 && n < 160;
      },
      absl::Seconds(5)));

  // GET is not allowed on a mutating endpoint; no parameters is a usage error.
  EXPECT_EQ(proxy.adminGet("/runtime_modify?routing.canary_percent=1").status, 405);
  EXPECT_EQ(proxy.adminPost("/runtime_modify").status, 400);
}

TEST_F(RuntimeIntegrationTest, WithoutAnAdminLayerRuntimeModifyIsRefused) {
  std::string yaml = httpBootstrapYaml({.listener_port = port_, .route_config = kRoutes});
  MeshproxyProcess proxy(
      yaml + "layered_runtime: {layers: [{name: s, static_layer: {routing.canary_percent: 0}}]}\n",
      {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  auto modify = proxy.adminPost("/runtime_modify?routing.canary_percent=100");
  EXPECT_EQ(modify.status, 503);
  EXPECT_EQ(modify.body, "No admin layer specified");
  EXPECT_EQ(canaries(10), 0);
}

TEST_F(RuntimeIntegrationTest, RuntimeRaisesTheRegexProgramSizeLimit) {
  // A regex bigger than Envoy's default limit of 100 is refused, unless the runtime raises it.
  constexpr char kRegexRoutes[] = R"(            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { safe_regex: { regex: "/(alpha|beta|gamma|delta){20}" } }
                direct_response: { status: 200, body: { inline_string: "big" } }
)";
  std::string yaml = httpBootstrapYaml({.listener_port = port_, .route_config = kRegexRoutes});
  {
    MeshproxyProcess refused(yaml, {.concurrency = 1, .wait_ready = false});
    auto status = refused.process().waitExit(absl::Seconds(10));
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
  }
  MeshproxyProcess proxy(yaml +
                             "layered_runtime: {layers: [{name: s, static_layer: "
                             "{re2.max_program_size.error_level: 10000}}]}\n",
                         {.concurrency = 1});
  ASSERT_TRUE(proxy.ready());
  std::string path = "/";
  for (int i = 0; i < 20; ++i) path += i % 2 ? "beta" : "delta";
  auto r = httpRequest("127.0.0.1", port_, "GET", path, {}, "", absl::Seconds(5));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "big");
}

}  // namespace
}  // namespace meshproxy::testing
