// Which resources a request selects: wildcard rules per type.
#include "xds/server/subscription.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

using ::testing::ElementsAre;

google::protobuf::RepeatedPtrField<std::string> names(std::vector<std::string> list) {
  return {list.begin(), list.end()};
}

std::vector<std::string> selected(std::string_view type, std::vector<std::string> requested) {
  ResourceMap available;
  for (const char* n : {"a", "b", "c"}) available.emplace(n, std::make_shared<Resource>());
  std::vector<std::string> out;
  for (const auto& [name, r] :
       Subscription::fromRequest(type, names(requested)).select(available)) {
    out.push_back(name);
  }
  return out;
}

TEST(SubscriptionTest, LdsAndCdsWithNoNamesAreWildcard) {
  EXPECT_THAT(selected(kListenerType, {}), ElementsAre("a", "b", "c"));
  EXPECT_THAT(selected(kClusterType, {}), ElementsAre("a", "b", "c"));
  EXPECT_THAT(selected(kClusterType, {"*"}), ElementsAre("a", "b", "c"));
  EXPECT_THAT(selected(kClusterType, {"b"}), ElementsAre("b"));
}

TEST(SubscriptionTest, RdsEdsSdsSendOnlyRequestedNames) {
  EXPECT_THAT(selected(kRouteConfigurationType, {}), ElementsAre());
  EXPECT_THAT(selected(kClusterLoadAssignmentType, {"c", "a", "missing"}), ElementsAre("a", "c"));
  EXPECT_THAT(selected(kSecretType, {"b"}), ElementsAre("b"));
  EXPECT_THAT(selected(kSecretType, {"*", "b"}), ElementsAre("a", "b", "c"));
}

TEST(SubscriptionTest, EqualityIgnoresOrderAndDuplicates) {
  EXPECT_EQ(Subscription::fromRequest(kSecretType, names({"a", "b", "a"})),
            Subscription::fromRequest(kSecretType, names({"b", "a"})));
  EXPECT_NE(Subscription::fromRequest(kSecretType, names({"a"})),
            Subscription::fromRequest(kSecretType, names({"a", "b"})));
}

}  // namespace
}  // namespace meshproxy::xds_server
