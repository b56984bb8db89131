// What the HTTP and network RBAC filters share: enforced rules and shadow rules evaluated
// together, their counters, the shadow dynamic metadata; and the network filter's translation.

#include "proxy/filters/common/rbac/rbac_filter_config.h"

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "envoy/extensions/filters/network/rbac/v3/rbac.pb.h"
#include "proxy/filters/network/rbac/rbac_network_config.h"
#include "proxy/stats/store.h"
#include "tests/unit/rbac/rbac_test_util.h"

namespace meshproxy::filters::rbac {
namespace {

constexpr const char* kFrontend = "spiffe://td/ns/shop/sa/frontend";
constexpr const char* kBatch = "spiffe://td/ns/shop/sa/batch";

// The network filter's proto from YAML, translated into `store`.
absl::StatusOr<std::shared_ptr<const RbacNetworkConfig>> networkConfig(const std::string& yaml,
                                                                       stats::Store& store) {
  auto json = config::yamlToJson(yaml);
  if (!json.ok()) return json.status();
  envoy::extensions::filters::network::rbac::v3::RBAC proto;
  if (auto s = protobuf::jsonToMessage(*json, &proto); !s.ok()) return s;
  return translateRbacNetwork(proto, store.rootScope());
}

testing::Request peer(const std::string& spiffe, uint16_t port = 8080) {
  testing::Request r;
  r.tcp = true;
  r.local = *network::Address::parse("10.0.0.1:" + std::to_string(port));
  r.ssl.emplace();
  r.ssl->uri_sans = {spiffe};
  return r;
}

// The store finds a stat by its full name, whoever created it.
uint64_t counter(stats::Store& store, const std::string& name) {
  return store.rootScope().counter(name).value();
}

constexpr const char* kFrontendOnly = R"(
stat_prefix: tcp_orders.
rules:
  action: ALLOW
  policies:
    frontend:
      permissions: [{destination_port: 8080}]
      principals: [{authenticated: {principal_name: {exact: 'spiffe://td/ns/shop/sa/frontend'}}}]
shadow_rules_stat_prefix: next_
shadow_rules:
  action: DENY
  policies:
    no-batch:
      permissions: [{any: true}]
      principals: [{authenticated: {principal_name: {suffix: /sa/batch}}}]
)";

TEST(RbacFilterConfigTest, EnforcedAndShadowRulesAreCountedApart) {
  stats::Store store;
  auto config = networkConfig(kFrontendOnly, store);
  ASSERT_TRUE(config.ok()) << config.status();
  const RbacFilterConfig& filter = *(*config)->filter;
  EXPECT_FALSE((*config)->continuous);

  RbacCheckResult r = filter.check(peer(kFrontend).view());
  EXPECT_TRUE(r.allowed);
  ASSERT_NE(r.enforced_policy_id, nullptr);
  EXPECT_EQ(*r.enforced_policy_id, "frontend");
  EXPECT_TRUE(r.shadow_evaluated);
  EXPECT_TRUE(r.shadow_allowed);
  EXPECT_EQ(r.shadow_policy_id, nullptr);

  r = filter.check(peer(kBatch).view());
  EXPECT_FALSE(r.allowed);
  EXPECT_EQ(r.enforced_policy_id, nullptr);
  EXPECT_FALSE(r.shadow_allowed);
  ASSERT_NE(r.shadow_policy_id, nullptr);
  EXPECT_EQ(*r.shadow_policy_id, "no-batch");

  r = filter.check(peer(kFrontend, 9090).view());  // the policy is for port 8080 only
  EXPECT_FALSE(r.allowed);

  // "<stat_prefix>.rbac.", the trailing dot of the prefix not doubled, shadow counters with
  // their own prefix: Envoy's names.
  EXPECT_EQ(counter(store, "tcp_orders.rbac.allowed"), 1u);
  EXPECT_EQ(counter(store, "tcp_orders.rbac.denied"), 2u);
  EXPECT_EQ(counter(store, "tcp_orders.rbac.next_shadow_allowed"), 2u);
  EXPECT_EQ(counter(store, "tcp_orders.rbac.next_shadow_denied"), 1u);
}

TEST(RbacFilterConfigTest, ShadowMetadataUsesEnvoysKeys) {
  stats::Store store;
  auto config = networkConfig(kFrontendOnly, store);
  ASSERT_TRUE(config.ok()) << config.status();
  const RbacFilterConfig& filter = *(*config)->filter;

  google::protobuf::Struct ns;
  filter.addShadowMetadata(filter.check(peer(kBatch).view()), ns);
  EXPECT_EQ(ns.fields().at("next_shadow_engine_result").string_value(), "denied");
  EXPECT_EQ(ns.fields().at("next_shadow_effective_policy_id").string_value(), "no-batch");

  ns.Clear();
  filter.addShadowMetadata(filter.check(peer(kFrontend).view()), ns);
  EXPECT_EQ(ns.fields().at("next_shadow_engine_result").string_value(), "allowed");
  EXPECT_FALSE(ns.fields().contains("next_shadow_effective_policy_id"));
}

TEST(RbacFilterConfigTest, ShadowOnlyEnforcesNothing) {
  stats::Store store;
  auto config = networkConfig(R"(
stat_prefix: shadow
shadow_rules:
  action: ALLOW
  policies:
    frontend:
      permissions: [{any: true}]
      principals: [{authenticated: {principal_name: {exact: 'spiffe://td/ns/shop/sa/frontend'}}}]
)",
                              store);
  ASSERT_TRUE(config.ok()) << config.status();
  const RbacCheckResult r = (*config)->filter->check(peer(kBatch).view());
  EXPECT_TRUE(r.allowed);
  EXPECT_FALSE(r.shadow_allowed);
  EXPECT_EQ(counter(store, "shadow.rbac.shadow_denied"), 1u);
  EXPECT_EQ(counter(store, "shadow.rbac.allowed"), 0u);  // no rules: nothing enforced, no count
  EXPECT_EQ(counter(store, "shadow.rbac.denied"), 0u);
}

TEST(RbacFilterConfigTest, LogActionAllowsAndGivesTheHint) {
  stats::Store store;
  auto config = networkConfig(R"(
stat_prefix: log
rules:
  action: LOG
  policies:
    batch:
      permissions: [{any: true}]
      principals: [{authenticated: {principal_name: {suffix: /sa/batch}}}]
)",
                              store);
  ASSERT_TRUE(config.ok()) << config.status();
  RbacCheckResult r = (*config)->filter->check(peer(kBatch).view());
  EXPECT_TRUE(r.allowed);
  EXPECT_TRUE(r.log_action);
  EXPECT_TRUE(r.log_hint);
  r = (*config)->filter->check(peer(kFrontend).view());
  EXPECT_TRUE(r.allowed);
  EXPECT_FALSE(r.log_hint);
  EXPECT_EQ(counter(store, "log.rbac.allowed"), 2u);
}

TEST(RbacNetworkConfigTest, EnforcementTypeAndRefusedFields) {
  stats::Store store;
  auto continuous =
      networkConfig("stat_prefix: c\nenforcement_type: CONTINUOUS\nrules: {action: DENY}\n", store);
  ASSERT_TRUE(continuous.ok()) << continuous.status();
  EXPECT_TRUE((*continuous)->continuous);

  auto matcher = networkConfig(
      "stat_prefix: m\nmatcher: {on_no_match: {action: {name: a, typed_config: "
      "{'@type': type.googleapis.com/envoy.config.rbac.v3.Action, name: a}}}}\n",
      store);
  ASSERT_FALSE(matcher.ok());
  EXPECT_NE(matcher.status().message().find("matcher"), absl::string_view::npos)
      << matcher.status();

  auto no_prefix = networkConfig("rules: {action: ALLOW}\n", store);
  ASSERT_FALSE(no_prefix.ok());
  EXPECT_NE(no_prefix.status().message().find("stat_prefix"), absl::string_view::npos);

  auto bad_policy = networkConfig(R"(
stat_prefix: b
shadow_rules:
  action: ALLOW
  policies:
    broken: {permissions: [{any: true}], principals: [{filter_state: {key: k}}]}
)",
                                  store);
  ASSERT_FALSE(bad_policy.ok());
  EXPECT_NE(bad_policy.status().message().find("shadow_rules"), absl::string_view::npos)
      << bad_policy.status();
  EXPECT_NE(bad_policy.status().message().find("filter_state"), absl::string_view::npos)
      << bad_policy.status();
}

}  // namespace
}  // namespace meshproxy::filters::rbac
