// The server side of delta xDS for one type: what each request subscribes, which resources a
// response carries (only those whose version the client does not hold), removals, names that
// do not exist, reconnects with initial_resource_versions, ACK/NACK by nonce.
#include "xds/server/delta_type_state.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Request = DeltaTypeState::Request;
using Response = DeltaTypeState::Response;

// Resources by name; the content hash stands for the content.
ResourceMap resources(std::string_view type, const std::map<std::string, std::string>& contents) {
  ResourceMap out;
  for (const auto& [name, content] : contents) {
    auto r = std::make_shared<Resource>();
    r->type_url = std::string(type);
    r->name = name;
    r->content_hash = content + std::string(16, '0');
    r->body.set_type_url(std::string(type));
    r->body.set_value(content);
    out.emplace(name, std::move(r));
  }
  return out;
}

std::string version(const std::string& content) { return (content + std::string(16, '0')).substr(0, 16); }

Request request(std::string_view type, std::vector<std::string> subscribe = {},
                std::vector<std::string> unsubscribe = {}, std::string nonce = "",
                std::string error = "") {
  Request r;
  r.set_type_url(std::string(type));
  for (auto& n : subscribe) r.add_resource_names_subscribe(n);
  for (auto& n : unsubscribe) r.add_resource_names_unsubscribe(n);
  r.set_response_nonce(nonce);
  if (!error.empty()) r.mutable_error_detail()->set_message(error);
  return r;
}

std::vector<std::string> sent(const Response& r) {
  std::vector<std::string> out;
  for (const auto& res : r.resources()) out.push_back(res.name() + "@" + res.version());
  return out;
}
std::vector<std::string> removed(const Response& r) {
  return {r.removed_resources().begin(), r.removed_resources().end()};
}

TEST(DeltaTypeStateTest, WildcardAddUpdateRemove) {
  DeltaTypeState state{std::string(kClusterType)};
  EXPECT_FALSE(state.respond(resources(kClusterType, {{"a", "a1"}}), absl::Now()).has_value())
      << "nothing before the client asks";
  EXPECT_EQ(state.onRequest(request(kClusterType), absl::Now()), RequestKind::kInitial);
  EXPECT_TRUE(state.wildcard()) << "CDS with no names: legacy wildcard";

  auto first = state.respond(resources(kClusterType, {{"a", "a1"}, {"b", "b1"}}), absl::Now());
  ASSERT_TRUE(first.has_value());
  EXPECT_THAT(sent(*first), ElementsAre("a@" + version("a1"), "b@" + version("b1")));
  EXPECT_THAT(removed(*first), IsEmpty());
  EXPECT_EQ(first->type_url(), kClusterType);
  EXPECT_FALSE(first->nonce().empty());
  EXPECT_EQ(first->system_version_info().size(), 16u);

  EXPECT_EQ(state.onRequest(request(kClusterType, {}, {}, first->nonce()), absl::Now()),
            RequestKind::kAck);
  EXPECT_EQ(state.status().acked_version, first->system_version_info());
  EXPECT_FALSE(state.respond(resources(kClusterType, {{"a", "a1"}, {"b", "b1"}}), absl::Now()))
      << "the client holds everything";

  auto update = state.respond(resources(kClusterType, {{"a", "a2"}, {"b", "b1"}}), absl::Now());
  ASSERT_TRUE(update.has_value());
  EXPECT_THAT(sent(*update), ElementsAre("a@" + version("a2"))) << "only what changed";

  auto removal = state.respond(resources(kClusterType, {{"a", "a2"}}), absl::Now());
  ASSERT_TRUE(removal.has_value());
  EXPECT_THAT(sent(*removal), IsEmpty());
  EXPECT_THAT(removed(*removal), ElementsAre("b"));
  EXPECT_THAT(state.held(), ElementsAre(::testing::Pair("a", version("a2"))));
}

TEST(DeltaTypeStateTest, NamedSubscriptionsAndNamesThatDoNotExist) {
  DeltaTypeState state{std::string(kClusterLoadAssignmentType)};
  EXPECT_EQ(state.onRequest(request(kClusterLoadAssignmentType, {"a", "c"}), absl::Now()),
            RequestKind::kInitial);
  auto available = resources(kClusterLoadAssignmentType, {{"a", "a1"}, {"b", "b1"}});
  auto first = state.respond(available, absl::Now());
  ASSERT_TRUE(first.has_value());
  EXPECT_THAT(sent(*first), ElementsAre("a@" + version("a1"))) << "b is not subscribed";
  EXPECT_THAT(removed(*first), ElementsAre("c")) << "c does not exist: said once";
  EXPECT_FALSE(state.respond(available, absl::Now()).has_value());

  auto with_c = resources(kClusterLoadAssignmentType, {{"a", "a1"}, {"b", "b1"}, {"c", "c1"}});
  auto appears = state.respond(with_c, absl::Now());
  ASSERT_TRUE(appears.has_value());
  EXPECT_THAT(sent(*appears), ElementsAre("c@" + version("c1")));

  EXPECT_EQ(state.onRequest(request(kClusterLoadAssignmentType, {"b"}, {"a"}), absl::Now()),
            RequestKind::kChange);
  auto change = state.respond(with_c, absl::Now());
  ASSERT_TRUE(change.has_value());
  EXPECT_THAT(sent(*change), ElementsAre("b@" + version("b1")));
  EXPECT_THAT(removed(*change), IsEmpty()) << "an unsubscribed name is not removed, just forgotten";
}

TEST(DeltaTypeStateTest, ReconnectSendsOnlyWhatChangedMeanwhile) {
  DeltaTypeState state{std::string(kClusterType)};
  Request initial = request(kClusterType, {"*"});
  (*initial.mutable_initial_resource_versions())["a"] = version("a1");
  (*initial.mutable_initial_resource_versions())["b"] = version("b1");
  (*initial.mutable_initial_resource_versions())["gone"] = "0123456789abcdef";
  EXPECT_EQ(state.onRequest(initial, absl::Now()), RequestKind::kInitial);
  EXPECT_TRUE(state.wildcard());
  auto response =
      state.respond(resources(kClusterType, {{"a", "a1"}, {"b", "b2"}}), absl::Now());
  ASSERT_TRUE(response.has_value());
  EXPECT_THAT(sent(*response), ElementsAre("b@" + version("b2")));
  EXPECT_THAT(removed(*response), ElementsAre("gone"));
}

TEST(DeltaTypeStateTest, FirstRequestIsAnsweredEvenWhenNothingDiffers) {
  DeltaTypeState state{std::string(kClusterType)};
  Request initial = request(kClusterType, {"*"});
  (*initial.mutable_initial_resource_versions())["a"] = version("a1");
  state.onRequest(initial, absl::Now());
  auto response = state.respond(resources(kClusterType, {{"a", "a1"}}), absl::Now());
  ASSERT_TRUE(response.has_value()) << "the client learns it is up to date";
  EXPECT_THAT(sent(*response), IsEmpty());
  EXPECT_THAT(removed(*response), IsEmpty());
}

TEST(DeltaTypeStateTest, NackIsRecordedAndTheResourceNotResentUntilItChanges) {
  DeltaTypeState state{std::string(kListenerType)};
  state.onRequest(request(kListenerType), absl::Now());
  auto first = state.respond(resources(kListenerType, {{"l", "l1"}}), absl::Now());
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(state.onRequest(request(kListenerType, {}, {}, first->nonce(), "bad listener"),
                            absl::Now()),
            RequestKind::kNack);
  ASSERT_TRUE(state.status().last_nack.has_value());
  EXPECT_EQ(state.status().last_nack->message, "bad listener");
  EXPECT_EQ(state.status().last_nack->version, first->system_version_info());
  EXPECT_FALSE(state.respond(resources(kListenerType, {{"l", "l1"}}), absl::Now()).has_value());
  auto fixed = state.respond(resources(kListenerType, {{"l", "l2"}}), absl::Now());
  ASSERT_TRUE(fixed.has_value());
  EXPECT_THAT(sent(*fixed), ElementsAre("l@" + version("l2")));
  EXPECT_EQ(state.onRequest(request(kListenerType, {}, {}, first->nonce()), absl::Now()),
            RequestKind::kStale)
      << "an older nonce acknowledges nothing current";
  EXPECT_EQ(state.onRequest(request(kListenerType, {}, {}, fixed->nonce()), absl::Now()),
            RequestKind::kAck);
}

}  // namespace
}  // namespace meshproxy::xds_server
