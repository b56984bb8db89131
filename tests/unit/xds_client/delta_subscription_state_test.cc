// The client side of delta xDS for one type: subscription differences, the initial request of
// each stream (whole subscription and every resource held, with "*" for a wildcard type after
// the first stream), ACK/NACK requests, and what is held after accepted responses.
#include "xds/client/delta_subscription_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace meshproxy::xds {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

constexpr char kEds[] = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
constexpr char kCds[] = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

std::vector<std::string> subscribed(const DeltaSubscriptionState::Request& r) {
  return {r.resource_names_subscribe().begin(), r.resource_names_subscribe().end()};
}
std::vector<std::string> unsubscribed(const DeltaSubscriptionState::Request& r) {
  return {r.resource_names_unsubscribe().begin(), r.resource_names_unsubscribe().end()};
}
std::map<std::string, std::string> initialVersions(const DeltaSubscriptionState::Request& r) {
  return {r.initial_resource_versions().begin(), r.initial_resource_versions().end()};
}

TEST(DeltaSubscriptionStateTest, WildcardIsLegacyOnTheFirstStreamAndExplicitAfter) {
  DeltaSubscriptionState state(kCds, /*wildcard=*/true);
  EXPECT_TRUE(state.interested());
  auto first = state.initialRequest();
  EXPECT_EQ(first.type_url(), kCds);
  EXPECT_THAT(subscribed(first), IsEmpty()) << "legacy wildcard: no names at all";
  EXPECT_TRUE(first.initial_resource_versions().empty());
  state.accepted({{"a", "v1"}, {"b", "v1"}}, {}, "s1");
  state.accepted({{"b", "v2"}}, {"a"}, "s2");
  EXPECT_EQ(state.systemVersion(), "s2");
  auto reconnect = state.initialRequest();
  EXPECT_THAT(subscribed(reconnect), ElementsAre("*"));
  EXPECT_THAT(initialVersions(reconnect), ElementsAre(Pair("b", "v2")));
  EXPECT_FALSE(state.setNames({"x"})) << "a wildcard type has no names to change";
}

TEST(DeltaSubscriptionStateTest, NamesChangeByDifference) {
  DeltaSubscriptionState state(kEds, /*wildcard=*/false);
  EXPECT_FALSE(state.interested());
  EXPECT_TRUE(state.setNames({"a", "b"}));
  auto initial = state.initialRequest();
  EXPECT_THAT(subscribed(initial), ElementsAre("a", "b"));
  EXPECT_FALSE(state.setNames({"a", "b"})) << "no change, no request";

  state.accepted({{"a", "1"}, {"b", "1"}}, {}, "s1");
  EXPECT_TRUE(state.setNames({"b", "c"}));
  auto change = state.subscriptionRequest();
  EXPECT_THAT(subscribed(change), ElementsAre("c"));
  EXPECT_THAT(unsubscribed(change), ElementsAre("a"));
  EXPECT_TRUE(change.response_nonce().empty()) << "a subscription change is not an ACK";
  EXPECT_THAT(state.held(), ElementsAre(Pair("b", "1"))) << "unsubscribing forgets a";

  // Changes made while disconnected go out whole in the next stream's initial request.
  EXPECT_TRUE(state.setNames({"c", "d"}));
  auto reconnect = state.initialRequest();
  EXPECT_THAT(subscribed(reconnect), ElementsAre("c", "d"));
  EXPECT_TRUE(reconnect.resource_names_unsubscribe().empty());
  EXPECT_TRUE(initialVersions(reconnect).empty()) << "b was unsubscribed";
  EXPECT_THAT(unsubscribed(state.subscriptionRequest()), IsEmpty()) << "nothing pending";
}

TEST(DeltaSubscriptionStateTest, SubscribeThenUnsubscribeBeforeSendingCancelsOut) {
  DeltaSubscriptionState state(kEds, false);
  state.setNames({"a"});
  state.initialRequest();
  EXPECT_TRUE(state.setNames({"a", "b"}));
  EXPECT_FALSE(state.setNames({"a"})) << "b was never sent: nothing to say";
  auto request = state.subscriptionRequest();
  EXPECT_THAT(subscribed(request), IsEmpty());
  EXPECT_THAT(unsubscribed(request), IsEmpty());
}

TEST(DeltaSubscriptionStateTest, AckAndNackCarryTheNonce) {
  DeltaSubscriptionState state(kEds, false);
  auto ack = state.ackRequest("n7", std::nullopt);
  EXPECT_EQ(ack.type_url(), kEds);
  EXPECT_EQ(ack.response_nonce(), "n7");
  EXPECT_FALSE(ack.has_error_detail());
  auto nack = state.ackRequest("n8", std::string("bad route"));
  EXPECT_EQ(nack.response_nonce(), "n8");
  EXPECT_EQ(nack.error_detail().code(), 3);
  EXPECT_EQ(nack.error_detail().message(), "bad route");
  EXPECT_TRUE(nack.resource_names_subscribe().empty());
}

TEST(DeltaSubscriptionStateTest, RemovedNamesStaySubscribed) {
  DeltaSubscriptionState state(kEds, false);
  state.setNames({"a"});
  state.initialRequest();
  state.accepted({{"a", "1"}}, {}, "s1");
  state.accepted({}, {"a"}, "s2");
  EXPECT_THAT(state.held(), IsEmpty());
  EXPECT_THAT(state.names(), ElementsAre("a")) << "removal by the server is not an unsubscribe";
  // A resource of a name unsubscribed meanwhile is not held.
  state.setNames({});
  state.accepted({{"a", "2"}}, {}, "s3");
  EXPECT_THAT(state.held(), IsEmpty());
  EXPECT_FALSE(state.interested());
}

}  // namespace
}  // namespace meshproxy::xds
