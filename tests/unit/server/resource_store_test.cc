// The generic per-type resource store with a fake resource type: SotW add/change/remove,
// unchanged resources keeping their objects, all-or-nothing validation, warming until a
// dependency arrives or the deadline passes, removal policies, and delta updates.
#include "proxy/server/resource_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "envoy/config/cluster/v3/cluster.pb.h"

namespace meshproxy::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// Any proto with a name will do: a Cluster's name, alt_stat_name as its content ("bad" fails
// translation) and eds service_name as the one thing it waits for.
using Proto = envoy::config::cluster::v3::Cluster;
struct Thing {
  std::string name;
  std::string content;
  int serial;  // which translation made it
};
using Value = std::shared_ptr<const Thing>;
using Store = ResourceStore<Proto, Value>;

class FakeType : public ResourceType<Proto, Value> {
 public:
  std::string_view noun() const override { return "thing"; }
  std::string_view api() const override { return "TDS"; }
  absl::StatusOr<std::string> nameOf(const Proto& proto, size_t index) const override {
    if (proto.name().empty())
      return absl::InvalidArgumentError(absl::StrCat("thing ", index, " has no name"));
    return proto.name();
  }
  absl::StatusOr<Value> translate(const Proto& proto) override {
    if (proto.alt_stat_name() == "bad")
      return absl::InvalidArgumentError(absl::StrCat("thing '", proto.name(), "' is bad"));
    return std::make_shared<const Thing>(
        Thing{proto.name(), proto.alt_stat_name(), ++translations});
  }
  Dependencies dependencies(const Value&) const override { return {}; }
  absl::Status beforeCommit(std::vector<Candidate>& candidates) override {
    seen_by_before_commit = candidates.size();
    return before_commit;
  }
  bool fullState() const override { return full_state; }
  RemovalPolicy removalPolicy() const override { return removal; }
  bool duplicateNamesRejected() const override { return reject_duplicates; }

  int translations = 0;
  size_t seen_by_before_commit = 0;
  absl::Status before_commit;
  bool full_state = true;
  bool reject_duplicates = true;
  RemovalPolicy removal;
};

// Depends on eds service_name: warms until the test says it arrived.
class WaitingType : public FakeType {
 public:
  Dependencies dependencies(const Value& value) const override {
    Dependencies d;
    if (!value->content.empty() && value->content.starts_with("wait:"))
      d.endpoints.push_back(value->content.substr(5));
    return d;
  }
};

struct FakeTimer : WarmTimer {
  explicit FakeTimer(bool* alive) : alive(alive) { *alive = true; }
  ~FakeTimer() override { *alive = false; }
  bool* alive;
};

class ResourceStoreTest : public ::testing::Test {
 protected:
  Store::Rules rules() {
    return {.ready =
                [this](const Store::Entry& entry) {
                  for (const auto& name : entry.dependencies.endpoints) {
                    if (!arrived.contains(name)) return false;
                  }
                  return true;
                },
            .start_timer = [this](const std::string& name,
                                  const Store::Entry&) -> std::unique_ptr<WarmTimer> {
              return std::make_unique<FakeTimer>(&timers[name]);
            }};
  }

  absl::StatusOr<ChangeSet> sotw(ResourceType<Proto, Value>& type,
                                 std::vector<std::pair<std::string, std::string>> things,
                                 const std::string& version) {
    resources_.clear();
    for (const auto& [name, content] : things) {
      Proto proto;
      proto.set_name(name);
      proto.set_alt_stat_name(content);
      resources_.emplace_back().PackFrom(proto);
    }
    return applyUpdate(store, type, ResourceUpdate::stateOfTheWorld(resources_, version), rules());
  }

  Value activeValue(const std::string& name) {
    const auto* entry = store.active(name);
    return entry == nullptr ? nullptr : entry->value;
  }
  std::string activeVersion(const std::string& name) {
    const auto* entry = store.active(name);
    return entry == nullptr ? "<none>" : entry->meta.version;
  }
  std::vector<std::string> activeNames() {
    std::vector<std::string> names;
    for (const auto& [name, slot] : store.slots()) {
      if (slot.active) names.push_back(name);
    }
    return names;
  }

  Store store;
  FakeType type;
  WaitingType waiting;
  std::set<std::string> arrived;
  std::map<std::string, bool> timers;  // alive, by resource name
  std::vector<google::protobuf::Any> resources_;
};

TEST_F(ResourceStoreTest, StateOfTheWorldAddsChangesAndRemoves) {
  auto first = sotw(type, {{"a", "1"}, {"b", "1"}}, "v1");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(first->updated, ElementsAre("a", "b"));
  EXPECT_THAT(first->activated, ElementsAre("a", "b"));
  EXPECT_THAT(activeNames(), ElementsAre("a", "b"));
  EXPECT_EQ(activeVersion("a"), "v1");
  EXPECT_TRUE(store.active("a")->meta.dynamic);

  auto second = sotw(type, {{"a", "2"}, {"c", "1"}}, "v2");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(second->updated, ElementsAre("a", "c"));
  EXPECT_THAT(second->removed, ElementsAre("b"));
  EXPECT_THAT(activeNames(), ElementsAre("a", "c"));
  EXPECT_EQ(activeValue("a")->content, "2");
  EXPECT_EQ(activeVersion("a"), "v2");
  EXPECT_EQ(activeVersion("c"), "v2");
}

TEST_F(ResourceStoreTest, UnchangedContentKeepsItsObjectAndVersion) {
  ASSERT_TRUE(sotw(type, {{"a", "1"}, {"b", "1"}}, "v1").ok());
  Value a = activeValue("a");
  auto last_updated = store.active("a")->meta.last_updated;
  auto changes = sotw(type, {{"a", "1"}, {"b", "2"}}, "v2");
  ASSERT_TRUE(changes.ok());
  EXPECT_THAT(changes->updated, ElementsAre("b"));
  EXPECT_EQ(activeValue("a"), a) << "same content hash: not translated again";
  EXPECT_EQ(activeVersion("a"), "v1");
  EXPECT_EQ(store.active("a")->meta.last_updated, last_updated);
  EXPECT_EQ(activeVersion("b"), "v2");
  EXPECT_EQ(type.translations, 3);
}

TEST_F(ResourceStoreTest, AnInvalidResourceRejectsTheWholeUpdateAndChangesNothing) {
  ASSERT_TRUE(sotw(type, {{"a", "1"}, {"b", "1"}}, "v1").ok());
  Value a = activeValue("a");

  auto bad = sotw(type, {{"a", "2"}, {"c", "bad"}}, "v2");
  EXPECT_THAT(bad.status().message(), HasSubstr("thing 'c' is bad"));
  EXPECT_EQ(activeValue("a"), a);
  EXPECT_THAT(activeNames(), ElementsAre("a", "b")) << "b is not removed by a rejected update";
  EXPECT_EQ(type.seen_by_before_commit, 2u) << "v1 only: v2 never reached beforeCommit";

  EXPECT_THAT(sotw(type, {{"a", "2"}, {"", "1"}}, "v3").status().message(),
              HasSubstr("thing 1 has no name"));
  EXPECT_THAT(sotw(type, {{"a", "2"}, {"a", "3"}}, "v4").status().message(),
              HasSubstr("duplicate thing 'a'"));

  resources_.assign(1, google::protobuf::Any());
  resources_[0].set_type_url("type.googleapis.com/not.a.Thing");
  auto undecodable =
      applyUpdate(store, type, ResourceUpdate::stateOfTheWorld(resources_, "v5"), rules());
  EXPECT_THAT(undecodable.status().message(), HasSubstr("resource 0: cannot decode"));
  EXPECT_EQ(activeValue("a"), a);
  EXPECT_EQ(activeVersion("a"), "v1");
}

TEST_F(ResourceStoreTest, BeforeCommitFailureChangesNothing) {
  ASSERT_TRUE(sotw(type, {{"a", "1"}}, "v1").ok());
  type.before_commit = absl::UnavailableError("port in use");
  auto rejected = sotw(type, {{"a", "2"}, {"b", "1"}}, "v2");
  EXPECT_EQ(rejected.status().message(), "port in use");
  EXPECT_EQ(activeValue("a")->content, "1");
  EXPECT_THAT(activeNames(), ElementsAre("a"));
}

TEST_F(ResourceStoreTest, StaticResourcesCannotBeReplacedOrRemoved) {
  Proto proto;
  proto.set_name("s");
  ASSERT_TRUE(store.addStatic("s", proto, std::make_shared<const Thing>(Thing{"s", "", 0}), {}));
  EXPECT_FALSE(store.addStatic("s", proto, nullptr, {})) << "the first of one name stays";
  EXPECT_THAT(sotw(type, {{"s", "1"}}, "v1").status().message(),
              HasSubstr("thing 's' is static and cannot be replaced by TDS"));
  ASSERT_TRUE(sotw(type, {{"a", "1"}}, "v2").ok());
  EXPECT_THAT(activeNames(), ElementsAre("a", "s"));
  EXPECT_FALSE(store.active("s")->meta.dynamic);
}

TEST_F(ResourceStoreTest, WarmsUntilItsDependencyArrivesWhileThePreviousVersionServes) {
  ASSERT_TRUE(sotw(waiting, {{"a", "plain"}}, "v1").ok());
  Value serving = activeValue("a");

  auto changes = sotw(waiting, {{"a", "wait:eds-a"}}, "v2");
  ASSERT_TRUE(changes.ok());
  EXPECT_THAT(changes->updated, ElementsAre("a"));
  EXPECT_THAT(changes->activated, IsEmpty());
  ASSERT_NE(store.warming("a"), nullptr);
  EXPECT_EQ(store.warming("a")->entry.meta.version, "v2");
  EXPECT_EQ(activeValue("a"), serving) << "v1 keeps serving while v2 warms";
  EXPECT_TRUE(timers["a"]);
  EXPECT_EQ(store.warmingCount(), 1u);

  EXPECT_THAT(store.activateReady(rules()), IsEmpty());
  arrived.insert("eds-a");
  EXPECT_THAT(store.activateReady(rules()), ElementsAre("a"));
  EXPECT_EQ(activeValue("a")->content, "wait:eds-a");
  EXPECT_EQ(activeVersion("a"), "v2");
  EXPECT_EQ(store.warming("a"), nullptr);
  EXPECT_FALSE(timers["a"]) << "the deadline is cancelled on activation";

  // Ready at once when what it waits for is already there.
  auto again = sotw(waiting, {{"a", "wait:eds-a"}, {"b", "wait:eds-a"}}, "v3");
  EXPECT_THAT(again->activated, ElementsAre("b"));
}

TEST_F(ResourceStoreTest, TimeoutActivatesWithoutTheDependency) {
  ASSERT_TRUE(sotw(waiting, {{"a", "wait:never"}}, "v1").ok());
  EXPECT_EQ(store.active("a"), nullptr);
  EXPECT_FALSE(store.markTimedOut("other"));
  EXPECT_TRUE(store.markTimedOut("a"));
  EXPECT_THAT(store.activateReady(rules()), ElementsAre("a"));
  EXPECT_EQ(activeVersion("a"), "v1");
  EXPECT_FALSE(timers["a"]);
}

TEST_F(ResourceStoreTest, ANewerVersionReplacesTheOneWarming) {
  ASSERT_TRUE(sotw(waiting, {{"a", "wait:x"}}, "v1").ok());
  EXPECT_TRUE(timers["a"]);
  bool* first_timer = &timers["a"];
  ASSERT_TRUE(sotw(waiting, {{"a", "wait:y"}}, "v2").ok());
  EXPECT_EQ(store.warming("a")->entry.meta.version, "v2");
  EXPECT_TRUE(*first_timer) << "a new deadline for the new version";
  // The same content as the version warming: left alone, deadline and all.
  ASSERT_TRUE(sotw(waiting, {{"a", "wait:y"}}, "v3").ok());
  EXPECT_EQ(store.warming("a")->entry.meta.version, "v2");
  // Left out of a full-state update: warming is dropped.
  ASSERT_TRUE(sotw(waiting, {}, "v4").ok());
  EXPECT_EQ(store.warming("a"), nullptr);
  EXPECT_FALSE(timers["a"]);
}

TEST_F(ResourceStoreTest, RemovedButReferencedStaysActiveUntilNothingNamesIt) {
  type.removal = {.kind = RemovalPolicy::Kind::kKeepWhileReferenced};
  ASSERT_TRUE(sotw(type, {{"a", "1"}, {"b", "1"}}, "v1").ok());
  Value b = activeValue("b");
  auto changes = sotw(type, {{"a", "1"}}, "v2");
  EXPECT_THAT(changes->removed, ElementsAre("b"));
  EXPECT_EQ(activeValue("b"), b) << "kept while referenced";
  EXPECT_TRUE(store.slots().at("b").removed);

  EXPECT_THAT(store.purgeRemoved([](const std::string& name) { return name == "b"; }), IsEmpty());
  EXPECT_EQ(activeValue("b"), b);
  // Named again by an update before it went: no longer removed, same object.
  ASSERT_TRUE(sotw(type, {{"a", "1"}, {"b", "1"}}, "v3").ok());
  EXPECT_FALSE(store.slots().at("b").removed);
  EXPECT_THAT(store.purgeRemoved([](const std::string&) { return false; }), IsEmpty());
  EXPECT_EQ(activeValue("b"), b);

  ASSERT_TRUE(sotw(type, {{"a", "1"}}, "v4").ok());
  EXPECT_THAT(store.purgeRemoved([](const std::string&) { return false; }), ElementsAre("b"));
  EXPECT_THAT(activeNames(), ElementsAre("a"));
}

TEST_F(ResourceStoreTest, DrainPolicyKeepsTheRemovedOneForItsDrainTime) {
  type.removal = {.kind = RemovalPolicy::Kind::kDrain, .drain_time = std::chrono::seconds(30)};
  ASSERT_TRUE(sotw(type, {{"a", "1"}, {"b", "1"}}, "v1").ok());
  ASSERT_TRUE(sotw(type, {{"a", "1"}}, "v2").ok());
  const auto& slot = store.slots().at("b");
  EXPECT_FALSE(slot.active);
  ASSERT_TRUE(slot.draining);
  EXPECT_EQ(slot.draining->meta.version, "v1");
  EXPECT_GT(slot.draining->until, std::chrono::steady_clock::now() + std::chrono::seconds(20));
  EXPECT_THAT(activeNames(), ElementsAre("a"));
}

TEST_F(ResourceStoreTest, PartialTypesKeepWhatASotwResponseLeavesOut) {
  type.full_state = false;  // RDS, EDS, SDS
  type.reject_duplicates = false;
  ASSERT_TRUE(sotw(type, {{"a", "1"}, {"b", "1"}}, "v1").ok());
  auto changes = sotw(type, {{"a", "2"}, {"a", "3"}}, "v2");
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_THAT(changes->removed, IsEmpty());
  EXPECT_EQ(activeValue("a")->content, "3") << "the later of two with one name";
  EXPECT_THAT(activeNames(), ElementsAre("a", "b"));
  store.retainOnly({"b"});  // unsubscribed from a
  EXPECT_THAT(activeNames(), ElementsAre("b"));
}

TEST_F(ResourceStoreTest, DeltaUpdateAddsWithItsOwnVersionsAndRemovesByName) {
  ASSERT_TRUE(sotw(type, {{"a", "1"}, {"b", "1"}}, "v1").ok());
  resources_.clear();
  Proto c;
  c.set_name("c");
  resources_.emplace_back().PackFrom(c);
  ResourceUpdate delta{.kind = ResourceUpdate::Kind::kDelta,
                       .resources = &resources_,
                       .version = "system-2",
                       .resource_versions = {"c-7"},
                       .removed = {"b", "not-there"}};
  auto changes = applyUpdate(store, type, delta, rules());
  ASSERT_TRUE(changes.ok()) << changes.status();
  EXPECT_THAT(changes->updated, ElementsAre("c"));
  EXPECT_THAT(changes->removed, ElementsAre("b"));
  EXPECT_THAT(activeNames(), ElementsAre("a", "c")) << "a is not in the delta and stays";
  EXPECT_EQ(activeVersion("c"), "c-7");
  EXPECT_EQ(activeVersion("a"), "v1");
}

}  // namespace
}  // namespace meshproxy::server
