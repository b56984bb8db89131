// Route match runtime_fraction: the default fraction, a runtime value overriding it, and
// the stream's random value deciding.
#include <gtest/gtest.h>

#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "proxy/runtime/loader.h"
#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using testing::buildTable;
using testing::request;

constexpr std::string_view kTable = R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - name: canary
    match:
      prefix: /
      runtime_fraction:
        default_value: {numerator: 10, denominator: HUNDRED}
        runtime_key: routing.canary
    direct_response: {status: 200}
  - name: stable
    match: {prefix: /}
    direct_response: {status: 200}
)";

int canaryCount(const RouteTable& table) {
  int n = 0;
  http::HeaderMap headers = request("example.com", "/");
  for (uint64_t random = 0; random < 1000; ++random) {
    const Route* r = table.match(headers, random);
    EXPECT_NE(r, nullptr);
    n += r != nullptr && r->name() == "canary";
  }
  return n;
}

class RouteRuntimeFractionTest : public ::testing::Test {
 protected:
  void TearDown() override { runtime::Snapshot::setCurrent(nullptr); }
};

TEST_F(RouteRuntimeFractionTest, DefaultFractionWithoutRuntimeValue) {
  auto table = buildTable(kTable);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(canaryCount(*table), 100);  // random % 100 < 10
}

TEST_F(RouteRuntimeFractionTest, RuntimeValueOverridesAndChangesWithoutRebuildingTheTable) {
  auto table = buildTable(kTable);
  ASSERT_NE(table, nullptr);
  envoy::config::bootstrap::v3::Bootstrap bootstrap;
  auto* layer = bootstrap.mutable_layered_runtime()->add_layers();
  layer->set_name("admin");
  layer->mutable_admin_layer();
  auto loader = runtime::Loader::create(bootstrap);
  ASSERT_TRUE(loader.ok());
  (*loader)->activate(nullptr);
  ASSERT_TRUE((*loader)->mergeAdminValues({{"routing.canary", "0"}}).ok());
  EXPECT_EQ(canaryCount(*table), 0);
  ASSERT_TRUE((*loader)->mergeAdminValues({{"routing.canary", "100"}}).ok());
  EXPECT_EQ(canaryCount(*table), 1000);
  ASSERT_TRUE((*loader)
                  ->mergeAdminValues({{"routing.canary", "{numerator: 25, denominator: HUNDRED}"}})
                  .ok());
  EXPECT_EQ(canaryCount(*table), 250);
  ASSERT_TRUE((*loader)->mergeAdminValues({{"routing.canary", ""}}).ok());
  EXPECT_EQ(canaryCount(*table), 100);
}

TEST_F(RouteRuntimeFractionTest, MissingDefaultValueIsRejected) {
  EXPECT_NE(testing::createError(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: /, runtime_fraction: {runtime_key: k}}
    direct_response: {status: 200}
)")
                .find("match.runtime_fraction: RuntimeFractionalPercent.default_value is required"),
            std::string::npos);
}

}  // namespace
}  // namespace meshproxy::route
