// RBAC actions (ALLOW, DENY, LOG), the effective policy id, shadow use, and config errors.

#include "proxy/filters/common/rbac/rbac_engine.h"

#include <gtest/gtest.h>

#include "tests/unit/rbac/rbac_test_util.h"

namespace meshproxy::filters::rbac {
namespace {

using testing::engineFromYaml;
using testing::mustEngine;
using testing::Request;

constexpr const char* kPolicies = R"(
policies:
  b-orders:
    permissions: [{url_path: {path: {prefix: /orders}}}]
    principals: [{authenticated: {principal_name: {exact: 'spiffe://td/ns/shop/sa/frontend'}}}]
  a-health:
    permissions: [{url_path: {path: {exact: /healthz}}}]
    principals: [{any: true}]
  c-all-frontend:
    permissions: [{any: true}]
    principals: [{authenticated: {principal_name: {exact: 'spiffe://td/ns/shop/sa/frontend'}}}]
)";

Request request(const std::string& path, const std::string& spiffe) {
  Request r;
  r.headers.add(":path", path);
  if (!spiffe.empty()) {
    r.ssl.emplace();
    r.ssl->uri_sans = {spiffe};
  }
  return r;
}

TEST(RbacEngineTest, AllowNeedsAMatchingPolicy) {
  auto engine = mustEngine(std::string("action: ALLOW") + kPolicies);
  ASSERT_NE(engine, nullptr);
  EXPECT_EQ(engine->action(), RbacAction::kAllow);
  RbacDecision d = engine->evaluate(request("/orders/1", "spiffe://td/ns/shop/sa/frontend").view());
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.matched);
  // Two policies match; the effective one is the first by name, as Envoy reports it.
  ASSERT_NE(d.effective_policy_id, nullptr);
  EXPECT_EQ(*d.effective_policy_id, "b-orders");
  d = engine->evaluate(request("/healthz", "").view());
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(*d.effective_policy_id, "a-health");
  d = engine->evaluate(request("/orders/1", "spiffe://td/ns/shop/sa/batch").view());
  EXPECT_FALSE(d.allowed);
  EXPECT_FALSE(d.matched);
  EXPECT_EQ(d.effective_policy_id, nullptr);
}

TEST(RbacEngineTest, DenyBlocksWhatMatches) {
  auto engine = mustEngine(std::string("action: DENY") + kPolicies);
  ASSERT_NE(engine, nullptr);
  RbacDecision d = engine->evaluate(request("/healthz", "").view());
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(*d.effective_policy_id, "a-health");
  d = engine->evaluate(request("/other", "spiffe://td/ns/shop/sa/batch").view());
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.effective_policy_id, nullptr);
}

TEST(RbacEngineTest, DenyEngineBeatsAllowEngine) {
  // The HTTP filter runs a DENY engine and an ALLOW engine in sequence (Istio's layout): a
  // request both would match is denied.
  auto deny = mustEngine(R"(
action: DENY
policies:
  no-admin:
    permissions: [{url_path: {path: {prefix: /admin}}}]
    principals: [{any: true}]
)");
  auto allow = mustEngine(std::string("action: ALLOW") + kPolicies);
  Request r = request("/admin", "spiffe://td/ns/shop/sa/frontend");
  EXPECT_TRUE(allow->evaluate(r.view()).allowed);
  EXPECT_FALSE(deny->evaluate(r.view()).allowed);
}

TEST(RbacEngineTest, LogAllowsAndSaysWhetherToLog) {
  auto engine = mustEngine(std::string("action: LOG") + kPolicies);
  ASSERT_NE(engine, nullptr);
  RbacDecision d = engine->evaluate(request("/healthz", "").view());
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.matched);
  EXPECT_EQ(*d.effective_policy_id, "a-health");
  d = engine->evaluate(request("/x", "").view());
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(d.matched);
}

TEST(RbacEngineTest, NoPolicies) {
  // ALLOW with nothing allowed denies everything; DENY with nothing denied allows everything.
  EXPECT_FALSE(mustEngine("action: ALLOW")->evaluate(Request{}.view()).allowed);
  EXPECT_TRUE(mustEngine("action: DENY")->evaluate(Request{}.view()).allowed);
  EXPECT_TRUE(mustEngine("{}")->evaluate(Request{}.view()).allowed == false);  // ALLOW default
}

TEST(RbacEngineTest, ShadowEvaluationReportsWithoutEnforcing) {
  // Shadow rules use the same engine; the caller records the decision and the policy id.
  auto shadow = mustEngine(std::string("action: DENY") + kPolicies);
  RbacDecision d = shadow->evaluate(request("/orders", "spiffe://td/ns/shop/sa/frontend").view());
  EXPECT_FALSE(d.allowed);  // would be denied ...
  ASSERT_NE(d.effective_policy_id, nullptr);
  EXPECT_EQ(*d.effective_policy_id, "b-orders");  // ... by this policy
}

void expectError(const std::string& yaml, const std::string& fragment) {
  auto engine = engineFromYaml(yaml);
  ASSERT_FALSE(engine.ok()) << yaml;
  EXPECT_NE(std::string(engine.status().message()).find(fragment), std::string::npos)
      << engine.status();
}

TEST(RbacEngineTest, UnimplementedFieldsAreRefusedByName) {
  expectError("action: ALLOW\naudit_logging_options: {audit_condition: ON_DENY}",
              "unsupported field 'audit_logging_options'");
  expectError(R"(
policies:
  p:
    permissions: [{any: true}]
    principals: [{any: true}]
    condition: {const_expr: {bool_value: true}}
)",
              "policies[0].condition");
  expectError(R"(
policies:
  p:
    permissions: [{matcher: {name: m, typed_config: {'@type': type.googleapis.com/google.protobuf.Empty}}}]
    principals: [{any: true}]
)",
              "permissions[0].matcher");
  expectError(R"(
policies:
  p:
    permissions: [{uri_template: {name: m, typed_config: {'@type': type.googleapis.com/google.protobuf.Empty}}}]
    principals: [{any: true}]
)",
              "permissions[0].uri_template");
  expectError(R"(
policies:
  p:
    permissions: [{any: true}]
    principals: [{filter_state: {key: k, string_match: {exact: v}}}]
)",
              "principals[0].filter_state");
  // A control: the implemented fields together are accepted.
  EXPECT_NE(mustEngine(R"(
policies:
  p:
    permissions: [{url_path: {path: {exact: /a, ignore_case: true}}}, {header: {name: a, string_match: {exact: b}}}]
    principals: [{metadata: {filter: f, path: [{key: k}], value: {string_match: {exact: v}}}}]
)"),
            nullptr);
}

TEST(RbacEngineTest, InvalidValuesAreRefused) {
  const std::string head = "policies:\n  p:\n    permissions: [";
  auto policy = [&](const std::string& permission, const std::string& principal = "{any: true}") {
    return head + permission + "]\n    principals: [" + principal + "]\n";
  };
  expectError(policy("{any: false}"), "policy 'p': permissions[0]: any must be true");
  expectError(policy("{any: true}", "{any: false}"), "principals[0]: any must be true");
  expectError("policies:\n  p:\n    principals: [{any: true}]\n", "permissions must not be empty");
  expectError("policies:\n  p:\n    permissions: [{any: true}]\n", "principals must not be empty");
  expectError(policy("{and_rules: {rules: []}}"), "and_rules.rules must not be empty");
  expectError(policy("{any: true}", "{or_ids: {}}"), "or_ids.ids must not be empty");
  expectError(policy("{destination_port: 70000}"), "destination_port must be at most 65535");
  expectError(policy("{destination_port_range: {start: -1, end: 10}}"), "destination_port_range");
  expectError(policy("{destination_ip: {address_prefix: 10.0.0.0, prefix_len: 33}}"),
              "destination_ip");
  expectError(policy("{destination_ip: {address_prefix: not-an-ip}}"), "destination_ip");
  expectError(policy("{url_path: {path: {safe_regex: {regex: '('}}}}"), "url_path.path");
  expectError(policy("{url_path: {}}"), "url_path: path is required");
  expectError(policy("{metadata: {filter: f, value: {present_match: true}}}"), "metadata");
  expectError(policy("{not_rule: {any: false}}"), "not_rule: any must be true");
  expectError(policy("{}"), "permission without a rule");
  expectError(policy("{header: {name: '', present_match: true}}"), "header");
  expectError(policy("{any: true}", "{remote_ip: {address_prefix: 1.2.3}}"), "remote_ip");
}

}  // namespace
}  // namespace meshproxy::filters::rbac
