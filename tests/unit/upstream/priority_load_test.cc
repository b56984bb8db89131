#include "proxy/upstream/priority_load.h"

#include <gtest/gtest.h>

namespace meshproxy::upstream {
namespace {

TEST(PriorityLoadTest, AllHealthyPriorityZeroTakesEverything) {
  PriorityLoad load = computePriorityLoad({{4, 4}, {4, 4}}, 140, 50);
  EXPECT_EQ(load.load, (std::vector<uint32_t>{100, 0}));
  EXPECT_EQ(load.panic, (std::vector<bool>{false, false}));
}

TEST(PriorityLoadTest, OverprovisioningHidesSmallLosses) {
  // 3 of 4 healthy: 140% x 75% = 105 -> still 100% on P0.
  EXPECT_EQ(computePriorityLoad({{4, 3}, {4, 4}}, 140, 50).load,
            (std::vector<uint32_t>{100, 0}));
}

TEST(PriorityLoadTest, SpillsInProportion) {
  // 2 of 4 healthy: 140% x 50% = 70 on P0, 30 spills to P1 (Envoy's documented example).
  EXPECT_EQ(computePriorityLoad({{4, 2}, {4, 4}}, 140, 50).load,
            (std::vector<uint32_t>{70, 30}));
  // Without overprovisioning (factor 100) half goes over.
  EXPECT_EQ(computePriorityLoad({{4, 2}, {4, 4}}, 100, 50).load,
            (std::vector<uint32_t>{50, 50}));
}

TEST(PriorityLoadTest, PriorityZeroDownAllGoesToOne) {
  PriorityLoad load = computePriorityLoad({{3, 0}, {2, 2}}, 140, 50);
  EXPECT_EQ(load.load, (std::vector<uint32_t>{0, 100}));
  EXPECT_EQ(load.panic, (std::vector<bool>{false, false}));
}

TEST(PriorityLoadTest, NormalizedWhenTheSumIsShortAndPanicBelowThreshold) {
  // P0: 1/4 healthy -> health 35; P1: 1/4 -> 35; sum 70: normalized to 50/50, both below the
  // 50% panic threshold.
  PriorityLoad load = computePriorityLoad({{4, 1}, {4, 1}}, 140, 50);
  EXPECT_EQ(load.load, (std::vector<uint32_t>{50, 50}));
  EXPECT_EQ(load.panic, (std::vector<bool>{true, true}));
  // With the threshold disabled nothing panics.
  load = computePriorityLoad({{4, 1}, {4, 1}}, 140, 0);
  EXPECT_EQ(load.panic, (std::vector<bool>{false, false}));
}

TEST(PriorityLoadTest, SingleLevelPanic) {
  // 1 of 4 healthy (25% < 50%): panic, balance over all four.
  PriorityLoad load = computePriorityLoad({{4, 1}}, 140, 50);
  EXPECT_EQ(load.load, (std::vector<uint32_t>{100}));
  EXPECT_TRUE(load.panic[0]);
  // 2 of 4 healthy (50%, not below 50): no panic.
  EXPECT_FALSE(computePriorityLoad({{4, 2}}, 140, 50).panic[0]);
}

TEST(PriorityLoadTest, TotalPanicSpreadsByHostCount) {
  PriorityLoad load = computePriorityLoad({{2, 0}, {2, 0}}, 140, 50);
  EXPECT_EQ(load.load, (std::vector<uint32_t>{50, 50}));
  EXPECT_EQ(load.panic, (std::vector<bool>{true, true}));
  // Panic disabled and nothing healthy: nothing to pick.
  EXPECT_EQ(computePriorityLoad({{2, 0}}, 140, 0).load, (std::vector<uint32_t>{0}));
}

TEST(PriorityLoadTest, ChoosePriorityByCumulativeLoad) {
  std::vector<uint32_t> load = {70, 30};
  EXPECT_EQ(choosePriority(load, 0), 0u);
  EXPECT_EQ(choosePriority(load, 69), 0u);
  EXPECT_EQ(choosePriority(load, 70), 1u);
  EXPECT_EQ(choosePriority(load, 199), 1u);
}

TEST(PriorityLoadTest, LocalityEffectiveWeight) {
  EXPECT_DOUBLE_EQ(localityEffectiveWeight(10, 4, 4, 140), 10);
  EXPECT_DOUBLE_EQ(localityEffectiveWeight(10, 4, 2, 140), 7);
  EXPECT_DOUBLE_EQ(localityEffectiveWeight(10, 4, 0, 140), 0);
  EXPECT_DOUBLE_EQ(localityEffectiveWeight(0, 4, 4, 140), 0);
}

}  // namespace
}  // namespace meshproxy::upstream
