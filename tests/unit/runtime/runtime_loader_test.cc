// The layered runtime: static layers flattened into dotted keys, the admin layer, value typing
// (Envoy's Snapshot::Entry), featureEnabled, /runtime's JSON, and keys resolved to slots.
#include <gtest/gtest.h>

#include <thread>

#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/core/json.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/runtime/loader.h"
#include "proxy/runtime/runtime_feature.h"
#include "proxy/runtime/well_known_keys.h"

namespace meshproxy::runtime {
namespace {

envoy::config::bootstrap::v3::Bootstrap bootstrapFromYaml(std::string_view yaml) {
  envoy::config::bootstrap::v3::Bootstrap proto;
  auto json = config::yamlToJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status();
  auto s = protobuf::jsonToMessage(*json, &proto);
  EXPECT_TRUE(s.ok()) << s;
  return proto;
}

std::unique_ptr<Loader> load(std::string_view yaml) {
  auto loader = Loader::create(bootstrapFromYaml(yaml));
  EXPECT_TRUE(loader.ok()) << loader.status();
  return loader.ok() ? std::move(*loader) : nullptr;
}

std::string loadError(std::string_view yaml) {
  auto loader = Loader::create(bootstrapFromYaml(yaml));
  return loader.ok() ? "" : std::string(loader.status().message());
}

class RuntimeTest : public ::testing::Test {
 protected:
  void TearDown() override { Snapshot::setCurrent(nullptr); }
};

TEST_F(RuntimeTest, StaticLayerIsFlattenedIntoDottedKeys) {
  auto loader = load(R"(
layered_runtime:
  layers:
  - name: base
    static_layer:
      envoy:
        resource_limits: {listener: {l1: {connection_limit: 10000}}}
      re2.max_program_size.error_level: "32768"
      flag: true
      half: {numerator: 50, denominator: HUNDRED}
      tiny: {numerator: 5, denominator: TEN_THOUSAND}
      ratio: 0.25
)");
  ASSERT_NE(loader, nullptr);
  const Snapshot& s = *loader->snapshot();
  EXPECT_EQ(s.size(), 6u);
  EXPECT_EQ(s.getInteger("envoy.resource_limits.listener.l1.connection_limit", 0), 10000u);
  EXPECT_EQ(s.getInteger("re2.max_program_size.error_level", 100), 32768u);
  EXPECT_TRUE(s.get("flag")->bool_value.value());
  ASSERT_TRUE(s.get("half")->fractional_percent.has_value());
  EXPECT_EQ(*s.get("half")->fractional_percent, (FractionalPercent{50, 100}));
  EXPECT_EQ(*s.get("tiny")->fractional_percent, (FractionalPercent{5, 10000}));
  EXPECT_DOUBLE_EQ(s.get("ratio")->double_value.value(), 0.25);
  EXPECT_EQ(s.get("ratio")->uint_value.value(), 0u);  // floored, as Envoy does
  EXPECT_EQ(s.get("envoy"), nullptr);                 // only leaves are keys
  EXPECT_EQ(loader->unreadEnvoyKeys(),
            std::vector<std::string>{"envoy.resource_limits.listener.l1.connection_limit"});
}

TEST_F(RuntimeTest, LaterLayersOverrideEarlierOnes) {
  auto loader = load(R"(
layered_runtime:
  layers:
  - {name: a, static_layer: {k: 1, only_a: x}}
  - {name: b, static_layer: {k: 2}}
)");
  ASSERT_NE(loader, nullptr);
  EXPECT_EQ(loader->snapshot()->getInteger("k", 0), 2u);
  EXPECT_EQ(loader->snapshot()->get("only_a")->raw, "x");
}

TEST_F(RuntimeTest, RejectsWhatEnvoyRejectsAndLayersNotImplemented) {
  EXPECT_EQ(loadError("layered_runtime: {layers: [{name: a, static_layer: {}}, {name: a, "
                      "admin_layer: {}}]}"),
            "layered_runtime: duplicate layer name 'a'");
  EXPECT_NE(loadError("layered_runtime: {layers: [{name: a, admin_layer: {}}, {name: b, "
                      "admin_layer: {}}]}")
                .find("too many admin layers"),
            std::string::npos);
  EXPECT_NE(loadError("layered_runtime: {layers: [{name: a, static_layer: {k: [1, 2]}}]}")
                .find("Invalid runtime entry value for k"),
            std::string::npos);
  EXPECT_NE(loadError("layered_runtime: {layers: [{name: a, static_layer: {k: null}}]}")
                .find("Invalid runtime entry value for k"),
            std::string::npos);
  EXPECT_NE(loadError("layered_runtime: {layers: [{name: d, disk_layer: {symlink_root: /srv}}]}")
                .find("unsupported field disk_layer"),
            std::string::npos);
  EXPECT_NE(loadError("layered_runtime: {layers: [{name: r, rtds_layer: {name: r}}]}")
                .find("unsupported field rtds_layer"),
            std::string::npos);
  EXPECT_NE(loadError("layered_runtime: {layers: [{name: x}]}").find("needs one of"),
            std::string::npos);
}

TEST_F(RuntimeTest, DefaultsAsEnvoy) {
  // No layered_runtime: "base" (empty static) and "admin".
  auto loader = load("node: {id: n}");
  ASSERT_NE(loader, nullptr);
  EXPECT_EQ(loader->snapshot()->toJson(), R"({"layers":["base","admin"],"entries":{}})");
  EXPECT_TRUE(loader->mergeAdminValues({{"k", "1"}}).ok());
  // layered_runtime without layers: one admin layer.
  loader = load("layered_runtime: {}");
  ASSERT_NE(loader, nullptr);
  EXPECT_TRUE(loader->mergeAdminValues({{"k", "1"}}).ok());
  // Layers but no admin layer: /runtime_modify is refused.
  loader = load("layered_runtime: {layers: [{name: s, static_layer: {}}]}");
  ASSERT_NE(loader, nullptr);
  auto s = loader->mergeAdminValues({{"k", "1"}});
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "No admin layer specified");
}

TEST_F(RuntimeTest, AdminLayerSetsAndRemovesAndJsonShowsEveryLayer) {
  auto loader = load(R"(
layered_runtime:
  layers:
  - {name: static, static_layer: {a: 10, b: "x"}}
  - {name: admin, admin_layer: {}}
)");
  ASSERT_NE(loader, nullptr);
  ASSERT_TRUE(loader->mergeAdminValues({{"a", "20"}, {"c", "true"}}).ok());
  const Snapshot& s = *loader->snapshot();
  EXPECT_EQ(s.getInteger("a", 0), 20u);
  EXPECT_EQ(s.toJson(), R"({"layers":["static","admin"],"entries":{)"
                        R"("a":{"layer_values":["10","20"],"final_value":"20"},)"
                        R"("b":{"layer_values":["x",""],"final_value":"x"},)"
                        R"("c":{"layer_values":["","true"],"final_value":"true"}}})");
  // An empty value removes the override; the static value shows again.
  auto before = loader->snapshot();
  ASSERT_TRUE(loader->mergeAdminValues({{"a", ""}}).ok());
  EXPECT_EQ(loader->snapshot()->getInteger("a", 0), 10u);
  // Snapshots are immutable: one a worker still holds keeps its values.
  EXPECT_EQ(before->getInteger("a", 0), 20u);
}

TEST(RuntimeEntryTest, StringsAreTypedAsEnvoyTypesThem) {
  Entry e = entryFromString("TRUE");
  EXPECT_TRUE(e.bool_value.value());
  EXPECT_FALSE(e.uint_value.has_value());
  e = entryFromString("7");
  EXPECT_EQ(e.uint_value.value(), 7u);
  EXPECT_TRUE(e.bool_value.value());
  e = entryFromString("0");
  EXPECT_FALSE(e.bool_value.value());
  e = entryFromString("-3");
  EXPECT_FALSE(e.uint_value.has_value());
  EXPECT_DOUBLE_EQ(e.double_value.value(), -3);
  e = entryFromString("{numerator: 3, denominator: MILLION}");
  EXPECT_EQ(e.fractional_percent.value(), (FractionalPercent{3, 1000000}));
  e = entryFromString(R"({"numerator": 3})");
  EXPECT_EQ(e.fractional_percent.value(), (FractionalPercent{3, 100}));
  e = entryFromString("hello");
  EXPECT_FALSE(e.fractional_percent || e.uint_value || e.bool_value || e.double_value);
  EXPECT_EQ(e.raw, "hello");
}

TEST_F(RuntimeTest, FeatureEnabledFollowsEnvoy) {
  auto loader = load(R"(
layered_runtime:
  layers:
  - name: s
    static_layer:
      pct: 30
      big: 150
      frac: {numerator: 1, denominator: TEN_THOUSAND}
      text: "no"
)");
  ASSERT_NE(loader, nullptr);
  loader->activate(nullptr);
  const FractionalPercent half{50, 100};
  auto count = [&](const Key& key) {
    int n = 0;
    for (uint64_t r = 0; r < 10000; ++r) n += Snapshot::current().featureEnabled(key, half, r);
    return n;
  };
  EXPECT_EQ(count(Key("pct")), 3000);      // an integer is a percentage
  EXPECT_EQ(count(Key("big")), 10000);     // above 100: always
  EXPECT_EQ(count(Key("frac")), 1);        // a FractionalPercent replaces the default
  EXPECT_EQ(count(Key("text")), 5000);     // not a number: the default
  EXPECT_EQ(count(Key("missing")), 5000);  // unset: the default
  EXPECT_EQ(count(Key()), 5000);           // no key: the default
}

TEST_F(RuntimeTest, KeysResolveToSlotsAndLateKeysStillWork) {
  auto loader = load("layered_runtime: {layers: [{name: s, static_layer: {late.key: 100}}]}");
  ASSERT_NE(loader, nullptr);
  loader->activate(nullptr);
  // Registered after the snapshot was built: found by name until the next snapshot.
  Key late("late.key");
  EXPECT_GE(late.slot(), 0u);
  EXPECT_EQ(Snapshot::current().get(late)->uint_value.value(), 100u);
  EXPECT_TRUE(loader->refreshKeys());
  EXPECT_FALSE(loader->refreshKeys());
  EXPECT_EQ(Snapshot::current().get(late)->uint_value.value(), 100u);
  EXPECT_EQ(Key("late.key").slot(), late.slot());  // interned once
}

TEST_F(RuntimeTest, EachThreadSeesTheSnapshotPublishedToIt) {
  auto loader = load("layered_runtime: {layers: [{name: a, admin_layer: {}}]}");
  ASSERT_NE(loader, nullptr);
  loader->activate(nullptr);
  ASSERT_TRUE(loader->mergeAdminValues({{"k", "5"}}).ok());
  EXPECT_EQ(Snapshot::current().getInteger("k", 0), 5u);
  uint64_t seen = 99;
  std::thread other([&] { seen = Snapshot::current().getInteger("k", 0); });
  other.join();
  EXPECT_EQ(seen, 0u);  // nothing published to that thread: the empty snapshot
}

TEST_F(RuntimeTest, RegexProgramSizeComesFromTheRuntime) {
  EXPECT_EQ(maxRegexProgramSize(), 100u);
  auto loader = load(
      "layered_runtime: {layers: [{name: s, static_layer: "
      "{re2.max_program_size.error_level: 4294967295}}]}");
  ASSERT_NE(loader, nullptr);
  loader->activate(nullptr);
  EXPECT_EQ(maxRegexProgramSize(), 4294967295u);
}

TEST(RuntimeFeatureTest, TranslatesRuntimeFractionalPercentAndFeatureFlag) {
  envoy::config::core::v3::RuntimeFractionalPercent proto;
  EXPECT_FALSE(translateRuntimeFractionalPercent(proto).ok());  // default_value required
  proto.mutable_default_value()->set_numerator(25);
  proto.mutable_default_value()->set_denominator(envoy::type::v3::FractionalPercent::MILLION);
  proto.set_runtime_key("f.enabled");
  auto f = translateRuntimeFractionalPercent(proto);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->defaultValue(), (FractionalPercent{25, 1000000}));
  EXPECT_EQ(f->key().name(), "f.enabled");
  EXPECT_TRUE(f->enabled(24));
  EXPECT_FALSE(f->enabled(25));

  envoy::config::core::v3::RuntimeFeatureFlag flag;
  flag.set_runtime_key("flag.k");
  EXPECT_FALSE(translateRuntimeFeatureFlag(flag).ok());
  flag.mutable_default_value()->set_value(false);
  auto ff = translateRuntimeFeatureFlag(flag);
  ASSERT_TRUE(ff.ok());
  EXPECT_FALSE(ff->enabled());
}

}  // namespace
}  // namespace meshproxy::runtime
