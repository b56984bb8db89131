// A worker's RDS tables: found by slot, kept alive by streams' pins (plain counters, no
// reference count per request), and released once retired and unpinned.
#include <gtest/gtest.h>

#include "proxy/core/name_slots.h"
#include "proxy/http/route_config.h"

namespace meshproxy::http {
namespace {

struct NoRoutes : RouteConfig {
  const Route* match(const HeaderMap&, uint64_t) const override { return nullptr; }
};

struct Releaser : WorkerRouteTables::Releaser {
  void onReleased(WorkerRouteTables& tables) override { released = &tables; }
  WorkerRouteTables* released = nullptr;
};

TEST(WorkerRouteTablesTest, TablesAreFoundBySlotAndPinsKeepARetiredSet) {
  auto snapshot = std::make_shared<RouteConfigMap>();
  auto table = std::make_shared<NoRoutes>();
  snapshot->tables.emplace("inbound|8080", table);
  Releaser releaser;
  std::weak_ptr<RouteConfigMap> weak = snapshot;
  auto tables = std::make_unique<WorkerRouteTables>(releaser, snapshot, *snapshot);
  const RouteConfigMap* map = snapshot.get();
  snapshot.reset();  // the set keeps the snapshot alive
  EXPECT_FALSE(weak.expired());
  EXPECT_EQ(map->tables.size(), 1u);

  EXPECT_EQ(tables->get(routeConfigSlots().intern("inbound|8080")), table.get());
  EXPECT_EQ(tables->get(routeConfigSlots().intern("not-delivered")), nullptr);
  EXPECT_EQ(tables->get(NameSlots::kNone), nullptr);

  {
    RouteTablesPin first(*tables);
    RouteTablesPin second(*tables);
    EXPECT_EQ(tables->pins(), 2u);
    tables->retire();  // a new snapshot arrived while two streams route with this set
    first.reset();
    EXPECT_EQ(releaser.released, nullptr);
    RouteTablesPin moved = std::move(second);
    EXPECT_EQ(tables->pins(), 1u);
  }
  EXPECT_EQ(releaser.released, tables.get());
  tables.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(WorkerRouteTablesTest, ACurrentSetIsNotReleasedWhenItsPinsGo) {
  RouteConfigMap map;
  Releaser releaser;
  WorkerRouteTables tables(releaser, nullptr, map);
  { RouteTablesPin pin(tables); }
  EXPECT_EQ(tables.pins(), 0u);
  EXPECT_EQ(releaser.released, nullptr);
}

}  // namespace
}  // namespace meshproxy::http
