// envoy.filters.http.rbac's translation and per-request decision (the filter glue over them
// waits for the HTTP filter API rework).

#include "proxy/filters/http/rbac/rbac_http_config.h"

#include <google/protobuf/struct.pb.h>
#include <gtest/gtest.h>

#include "envoy/extensions/filters/http/rbac/v3/rbac.pb.h"
#include "proxy/stats/store.h"
#include "tests/unit/rbac/rbac_test_util.h"

namespace meshproxy::filters::rbac {
namespace {

namespace httpv3 = envoy::extensions::filters::http::rbac::v3;

template <typename Proto>
absl::Status parse(const std::string& yaml, Proto* proto) {
  auto json = config::yamlToJson(yaml);
  if (!json.ok()) return json.status();
  return protobuf::jsonToMessage(*json, proto);
}

absl::StatusOr<std::shared_ptr<const RbacFilterConfig>> httpConfig(const std::string& yaml,
                                                                   stats::Store& store) {
  httpv3::RBAC proto;
  if (auto s = parse(yaml, &proto); !s.ok()) return s;
  return translateRbacHttp(proto, store.rootScope().scope("http", "inbound"));
}

testing::Request request(const std::string& method, const std::string& path,
                         const std::string& spiffe) {
  testing::Request r;
  r.headers.add(":method", method);
  r.headers.add(":path", path);
  r.ssl.emplace();
  r.ssl->uri_sans = {spiffe};
  return r;
}

// "Only the frontend service account may POST to /orders"; everyone may GET.
constexpr const char* kOrders = R"(
rules_stat_prefix: orders_
rules:
  action: ALLOW
  policies:
    frontend-posts-orders:
      permissions:
      - and_rules: {rules: [{header: {name: ':method', string_match: {exact: POST}}},
                            {url_path: {path: {prefix: /orders}}}]}
      principals: [{authenticated: {principal_name: {exact: 'spiffe://td/ns/shop/sa/frontend'}}}]
    anyone-reads:
      permissions: [{header: {name: ':method', string_match: {exact: GET}}}]
      principals: [{any: true}]
shadow_rules:
  action: DENY
  policies:
    no-batch:
      permissions: [{any: true}]
      principals: [{authenticated: {principal_name: {suffix: /sa/batch}}}]
)";

TEST(RbacHttpConfigTest, DecisionDetailsAndStats) {
  stats::Store store;
  auto config = httpConfig(kOrders, store);
  ASSERT_TRUE(config.ok()) << config.status();

  RbacHttpDecision d = decideRequest(
      **config, request("POST", "/orders/1", "spiffe://td/ns/shop/sa/frontend").view());
  EXPECT_FALSE(d.denied());
  EXPECT_TRUE(d.details.empty());

  d = decideRequest(**config, request("POST", "/orders/1", "spiffe://td/ns/shop/sa/batch").view());
  EXPECT_TRUE(d.denied());
  EXPECT_EQ(d.details, "rbac_access_denied_matched_policy[none]");
  google::protobuf::Struct ns;
  (*config)->addShadowMetadata(d.result, ns);
  EXPECT_EQ(ns.fields().at("shadow_engine_result").string_value(), "denied");
  EXPECT_EQ(ns.fields().at("shadow_effective_policy_id").string_value(), "no-batch");

  d = decideRequest(**config, request("GET", "/orders/1", "spiffe://td/ns/shop/sa/batch").view());
  EXPECT_FALSE(d.denied());

  // http.<stat_prefix>.rbac.<rules_stat_prefix>allowed, as Envoy names them.
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.orders_allowed").value(), 2u);
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.orders_denied").value(), 1u);
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.shadow_denied").value(), 2u);
  EXPECT_EQ(store.rootScope().counter("http.inbound.rbac.shadow_allowed").value(), 1u);
}

TEST(RbacHttpConfigTest, DenyPolicyNamesItselfInTheDetails) {
  stats::Store store;
  auto config = httpConfig(R"(
rules:
  action: DENY
  policies:
    block-admin:
      permissions: [{url_path: {path: {prefix: /admin}}}]
      principals: [{any: true}]
)",
                           store);
  ASSERT_TRUE(config.ok()) << config.status();
  const RbacHttpDecision d =
      decideRequest(**config, request("GET", "/admin/x?y", "spiffe://td/ns/a/sa/b").view());
  EXPECT_TRUE(d.denied());
  EXPECT_EQ(d.details, "rbac_access_denied_matched_policy[block-admin]");
}

TEST(RbacHttpConfigTest, PerRouteReplacesTheFilterRules) {
  stats::Store store;
  httpv3::RBACPerRoute per_route;
  ASSERT_TRUE(parse(R"(
rbac:
  rules:
    action: ALLOW
    policies:
      health: {permissions: [{url_path: {path: {exact: /healthz}}}], principals: [{any: true}]}
)",
                    &per_route)
                  .ok());
  auto config = translateRbacPerRoute(per_route, store.rootScope().scope("http", "inbound"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(decideRequest(**config, request("GET", "/healthz", "x").view()).denied());
  EXPECT_TRUE(decideRequest(**config, request("GET", "/other", "x").view()).denied());

  // An empty RBACPerRoute enforces nothing on its route.
  auto open = translateRbacPerRoute(httpv3::RBACPerRoute(), store.rootScope());
  ASSERT_TRUE(open.ok()) << open.status();
  EXPECT_EQ((*open)->rules(), nullptr);
  EXPECT_FALSE(decideRequest(**open, request("POST", "/other", "x").view()).denied());
}

TEST(RbacHttpConfigTest, UnimplementedFieldsAreRefusedByName) {
  stats::Store store;
  for (const char* yaml : {"track_per_rule_stats: true\n",
                           "rules: {action: ALLOW, policies: {p: {permissions: [{any: true}], "
                           "principals: [{any: true}], condition: {const_expr: {bool_value: "
                           "true}}}}}\n"}) {
    auto config = httpConfig(yaml, store);
    ASSERT_FALSE(config.ok()) << yaml;
    const std::string message(config.status().message());
    EXPECT_TRUE(message.find("track_per_rule_stats") != std::string::npos ||
                message.find("condition") != std::string::npos)
        << message;
  }
}

}  // namespace
}  // namespace meshproxy::filters::rbac
