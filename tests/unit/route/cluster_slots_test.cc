// Cluster names in routes are resolved to slots when the table is built, so the router finds
// the worker's cluster by index, not by hashing the name per request.
#include <gtest/gtest.h>

#include "proxy/core/name_slots.h"
#include "tests/unit/route/route_table_test_util.h"

namespace meshproxy::route {
namespace {

using testing::buildTable;
using testing::request;

TEST(NameSlotsTest, ANameKeepsItsSlot) {
  NameSlots slots;
  uint32_t a = slots.intern("a");
  uint32_t b = slots.intern("b");
  EXPECT_NE(a, b);
  EXPECT_EQ(slots.intern("a"), a);
  EXPECT_EQ(slots.size(), 2u);
}

TEST(ClusterSlotsTest, RouteTranslationResolvesClusterNamesToSlots) {
  auto table = buildTable(R"(
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: "/w"}
    route:
      weighted_clusters:
        clusters: [{name: slots-canary, weight: 10}, {name: slots-stable, weight: 90}]
  - match: {prefix: "/h"}
    route: {cluster_header: x-cluster}
  - match: {prefix: "/"}
    route: {cluster: slots-backend}
)");
  ASSERT_NE(table, nullptr);
  const RouteAction* plain = table->match(request("h", "/"), 0)->routeAction();
  EXPECT_EQ(plain->cluster_slot, clusterSlots().intern("slots-backend"));
  const RouteAction* weighted = table->match(request("h", "/w"), 0)->routeAction();
  EXPECT_EQ(weighted->weighted_clusters[0].slot, clusterSlots().intern("slots-canary"));
  EXPECT_EQ(weighted->weighted_clusters[1].slot, clusterSlots().intern("slots-stable"));
  // A name that only the request carries has no slot.
  EXPECT_EQ(table->match(request("h", "/h"), 0)->routeAction()->cluster_slot, NameSlots::kNone);
}

}  // namespace
}  // namespace meshproxy::route
