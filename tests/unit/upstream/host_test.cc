// The shared Host: health flags, outcome stripes, and reconcileHosts, which keeps a host's
// object (and so its state) when discovery delivers the same endpoint again.
#include "proxy/upstream/host.h"

#include <gtest/gtest.h>

#include "proxy/upstream/cluster_resources.h"

namespace meshproxy::upstream {
namespace {

HostSharedPtr makeHost(std::string_view address, uint32_t weight = 1, std::string hostname = "",
                       Locality locality = {}) {
  auto parsed = *network::Address::parse(address);
  if (hostname.empty()) hostname = parsed.str();
  return std::make_shared<Host>(parsed, std::move(hostname), weight, std::move(locality));
}

TEST(HostTest, HealthFlagsAreIndependentBits) {
  HostSharedPtr host = makeHost("10.0.0.1:80");
  EXPECT_TRUE(host->healthy());
  host->setHealthFlag(HealthFlag::kFailedOutlierCheck);
  host->setHealthFlag(HealthFlag::kFailedActiveHc);
  EXPECT_FALSE(host->healthy());
  host->clearHealthFlag(HealthFlag::kFailedActiveHc);
  EXPECT_TRUE(host->healthFlag(HealthFlag::kFailedOutlierCheck));
  EXPECT_FALSE(host->healthFlag(HealthFlag::kFailedActiveHc));
  host->clearHealthFlag(HealthFlag::kFailedOutlierCheck);
  EXPECT_TRUE(host->healthy());
}

TEST(HostTest, OutcomesAreCountedPerWorkerStripeAndSummed) {
  Host::setOutcomeStripes(3);
  HostSharedPtr host = makeHost("10.0.0.1:80");
  Host::setOutcomeStripes(1);
  EXPECT_NE(&host->outcomes(0), &host->outcomes(1));
  EXPECT_EQ(&host->outcomes(0), &host->outcomes(3));  // more workers than stripes: shared
  host->outcomes(0).success.fetch_add(2);
  host->outcomes(1).success.fetch_add(1);
  host->outcomes(2).error.fetch_add(1);
  host->outcomes(2).local_origin_failure.fetch_add(4);
  Host::OutcomeTotals totals = host->outcomeTotals();
  EXPECT_EQ(totals.success, 3u);
  EXPECT_EQ(totals.error, 1u);
  EXPECT_EQ(totals.local_origin_failure, 4u);
}

TEST(ReconcileHostsTest, SameEndpointsKeepTheirObjectsAndState) {
  HostVector current = {makeHost("10.0.0.1:80"), makeHost("10.0.0.2:80")};
  current[1]->setHealthFlag(HealthFlag::kFailedOutlierCheck);
  current[1]->outcomes(0).error.fetch_add(5);
  ReconciledHosts next =
      reconcileHosts(current, {makeHost("10.0.0.1:80"), makeHost("10.0.0.2:80")});
  EXPECT_FALSE(next.changed);
  ASSERT_EQ(next.hosts.size(), 2u);
  EXPECT_EQ(next.hosts[0], current[0]);
  EXPECT_EQ(next.hosts[1], current[1]);
  EXPECT_TRUE(next.hosts[1]->healthFlag(HealthFlag::kFailedOutlierCheck));
  EXPECT_EQ(next.hosts[1]->outcomeTotals().error, 5u);
}

TEST(ReconcileHostsTest, TheEdsHealthFlagFollowsDiscoveryAndTheOtherFlagsStay) {
  HostVector current = {makeHost("10.0.0.1:80"), makeHost("10.0.0.2:80")};
  current[0]->setHealthFlag(HealthFlag::kFailedActiveHc);
  HostVector incoming = {makeHost("10.0.0.1:80"), makeHost("10.0.0.2:80")};
  incoming[1]->setHealthFlag(HealthFlag::kFailedEdsHealth);
  ReconciledHosts next = reconcileHosts(current, incoming);
  EXPECT_TRUE(next.changed);
  EXPECT_EQ(next.hosts[1], current[1]);
  EXPECT_TRUE(current[1]->healthFlag(HealthFlag::kFailedEdsHealth));
  // Health checking's flag is not discovery's to clear.
  EXPECT_TRUE(current[0]->healthFlag(HealthFlag::kFailedActiveHc));

  next = reconcileHosts(next.hosts, {makeHost("10.0.0.1:80"), makeHost("10.0.0.2:80")});
  EXPECT_TRUE(next.changed);
  EXPECT_TRUE(current[1]->healthy());
  EXPECT_TRUE(current[0]->healthFlag(HealthFlag::kFailedActiveHc));
  EXPECT_FALSE(
      reconcileHosts(next.hosts, {makeHost("10.0.0.1:80"), makeHost("10.0.0.2:80")}).changed);
}

TEST(ReconcileHostsTest, AWeightChangeUpdatesTheKeptObjectAndCountsAsAChange) {
  HostVector current = {makeHost("10.0.0.1:80", 1), makeHost("10.0.0.2:80", 1)};
  ReconciledHosts next =
      reconcileHosts(current, {makeHost("10.0.0.1:80", 1), makeHost("10.0.0.2:80", 7)});
  EXPECT_TRUE(next.changed);
  EXPECT_EQ(next.hosts[1], current[1]);
  EXPECT_EQ(current[1]->weight(), 7u);
}

TEST(ReconcileHostsTest, NewRemovedAndReorderedEndpoints) {
  HostVector current = {makeHost("10.0.0.1:80"), makeHost("10.0.0.2:80"), makeHost("10.0.0.3:80")};
  HostSharedPtr fresh = makeHost("10.0.0.4:80");
  // 2 removed, 4 added, 1 and 3 swapped.
  ReconciledHosts next =
      reconcileHosts(current, {makeHost("10.0.0.3:80"), makeHost("10.0.0.1:80"), fresh});
  EXPECT_TRUE(next.changed);
  ASSERT_EQ(next.hosts.size(), 3u);
  EXPECT_EQ(next.hosts[0], current[2]);
  EXPECT_EQ(next.hosts[1], current[0]);
  EXPECT_EQ(next.hosts[2], fresh);
  // Order alone is a change (round robin follows it).
  EXPECT_TRUE(reconcileHosts(current, {current[1], current[0], current[2]}).changed);
}

TEST(ReconcileHostsTest, ANewHostnameOrLocalityIsANewHost) {
  HostVector current = {makeHost("10.0.0.1:80", 1, "a.example"),
                        makeHost("10.0.0.2:80", 1, "", Locality{"eu", "eu-1", ""})};
  HostSharedPtr renamed = makeHost("10.0.0.1:80", 1, "b.example");
  HostSharedPtr moved = makeHost("10.0.0.2:80", 1, "", Locality{"eu", "eu-2", ""});
  ReconciledHosts next = reconcileHosts(current, {renamed, moved});
  EXPECT_TRUE(next.changed);
  EXPECT_EQ(next.hosts[0], renamed);
  EXPECT_EQ(next.hosts[1], moved);
}

TEST(ReconcileHostsTest, ADuplicateAddressGetsItsOwnObject) {
  HostVector current = {makeHost("10.0.0.1:80")};
  HostSharedPtr duplicate = makeHost("10.0.0.1:80");
  ReconciledHosts next = reconcileHosts(current, {makeHost("10.0.0.1:80"), duplicate});
  EXPECT_EQ(next.hosts[0], current[0]);
  EXPECT_EQ(next.hosts[1], duplicate);
}

}  // namespace
}  // namespace meshproxy::upstream
