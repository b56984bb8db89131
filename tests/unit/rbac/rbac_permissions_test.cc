// Every RBAC permission kind and combinator, evaluated against request views.

#include <gtest/gtest.h>

#include "tests/unit/rbac/rbac_test_util.h"

namespace meshproxy::filters::rbac {
namespace {

using testing::mustEngine;
using testing::policyYaml;
using testing::Request;

// Does an ALLOW policy with this permission (and principal any) allow the request?
bool permits(const std::string& permission, const Request& request) {
  auto engine = mustEngine(policyYaml(permission, "{any: true}"));
  return engine != nullptr && engine->evaluate(request.view()).allowed;
}

TEST(RbacPermissionTest, Any) {
  Request r;
  EXPECT_TRUE(permits("{any: true}", r));
  r.tcp = true;
  EXPECT_TRUE(permits("{any: true}", r));
}

TEST(RbacPermissionTest, Header) {
  Request r;
  r.headers.add(":method", "POST");
  r.headers.add("x-team", "a");
  r.headers.add("x-team", "b");
  EXPECT_TRUE(permits("{header: {name: ':method', string_match: {exact: POST}}}", r));
  EXPECT_FALSE(permits("{header: {name: ':method', string_match: {exact: GET}}}", r));
  // Repeated header: matched as the joined values, as in Envoy.
  EXPECT_TRUE(permits("{header: {name: x-team, string_match: {exact: 'a,b'}}}", r));
  EXPECT_TRUE(permits("{header: {name: x-team, present_match: true}}", r));
  EXPECT_FALSE(permits("{header: {name: x-missing, present_match: true}}", r));
  EXPECT_TRUE(permits("{header: {name: x-missing, present_match: false}}", r));
  EXPECT_TRUE(
      permits("{header: {name: ':method', string_match: {exact: GET}, invert_match: true}}", r));
  // TCP: no headers; a header rule only matches in its "absent" form.
  r.tcp = true;
  EXPECT_FALSE(permits("{header: {name: ':method', string_match: {exact: POST}}}", r));
  EXPECT_TRUE(permits("{header: {name: x-team, present_match: false}}", r));
}

TEST(RbacPermissionTest, UrlPathIgnoresQueryAndFragment) {
  Request r;
  r.headers.add(":path", "/orders/42?debug=1#top");
  EXPECT_TRUE(permits("{url_path: {path: {exact: /orders/42}}}", r));
  EXPECT_TRUE(permits("{url_path: {path: {prefix: /orders/}}}", r));
  EXPECT_FALSE(permits("{url_path: {path: {exact: '/orders/42?debug=1'}}}", r));
  EXPECT_TRUE(permits("{url_path: {path: {safe_regex: {regex: '/orders/[0-9]+'}}}}", r));
  EXPECT_TRUE(permits("{url_path: {path: {prefix: /ORDERS, ignore_case: true}}}", r));
  Request no_path;
  EXPECT_FALSE(permits("{url_path: {path: {prefix: /}}}", no_path));
  no_path.tcp = true;
  EXPECT_FALSE(permits("{url_path: {path: {prefix: /}}}", no_path));
}

TEST(RbacPermissionTest, DestinationIpAndPorts) {
  Request r;  // local 10.0.0.1:8080
  EXPECT_TRUE(permits("{destination_ip: {address_prefix: 10.0.0.0, prefix_len: 8}}", r));
  EXPECT_FALSE(permits("{destination_ip: {address_prefix: 10.0.1.0, prefix_len: 24}}", r));
  EXPECT_TRUE(permits("{destination_ip: {address_prefix: 10.0.0.1, prefix_len: 32}}", r));
  EXPECT_FALSE(permits("{destination_ip: {address_prefix: '::', prefix_len: 0}}", r));
  EXPECT_TRUE(permits("{destination_port: 8080}", r));
  EXPECT_FALSE(permits("{destination_port: 8081}", r));
  // [start, end)
  EXPECT_TRUE(permits("{destination_port_range: {start: 8080, end: 8081}}", r));
  EXPECT_FALSE(permits("{destination_port_range: {start: 8000, end: 8080}}", r));
  EXPECT_FALSE(permits("{destination_port_range: {start: 9000, end: 8000}}", r));
  Request v6;
  v6.local = *network::Address::parse("[fd00::5]:443");
  EXPECT_TRUE(permits("{destination_ip: {address_prefix: 'fd00::', prefix_len: 16}}", v6));
  EXPECT_FALSE(permits("{destination_ip: {address_prefix: 10.0.0.0, prefix_len: 8}}", v6));
  EXPECT_TRUE(permits("{destination_port: 443}", v6));
}

TEST(RbacPermissionTest, RequestedServerName) {
  Request r;
  r.sni = "orders.svc.cluster.local";
  EXPECT_TRUE(permits("{requested_server_name: {suffix: .svc.cluster.local}}", r));
  EXPECT_FALSE(permits("{requested_server_name: {exact: payments.svc.cluster.local}}", r));
  r.sni.clear();
  EXPECT_TRUE(permits("{requested_server_name: {exact: ''}}", r));
}

TEST(RbacPermissionTest, Metadata) {
  Request r;
  r.metadata.set("envoy.filters.http.jwt_authn",
                 R"({"payload": {"iss": "https://issuer", "admin": true, "level": 3,
                     "groups": ["dev", "ops"], "nothing": null}})");
  auto with = [](const std::string& path, const std::string& value, bool invert = false) {
    return "{metadata: {filter: envoy.filters.http.jwt_authn, path: [" + path +
           "], value: " + value + (invert ? ", invert: true" : "") + "}}";
  };
  EXPECT_TRUE(
      permits(with("{key: payload}, {key: iss}", "{string_match: {exact: 'https://issuer'}}"), r));
  EXPECT_FALSE(permits(with("{key: payload}, {key: iss}", "{string_match: {exact: other}}"), r));
  EXPECT_TRUE(permits(with("{key: payload}, {key: admin}", "{bool_match: true}"), r));
  EXPECT_FALSE(permits(with("{key: payload}, {key: admin}", "{bool_match: false}"), r));
  EXPECT_TRUE(permits(
      with("{key: payload}, {key: level}", "{double_match: {range: {start: 3, end: 4}}}"), r));
  EXPECT_FALSE(permits(
      with("{key: payload}, {key: level}", "{double_match: {range: {start: 1, end: 3}}}"), r));
  EXPECT_TRUE(permits(with("{key: payload}, {key: level}", "{double_match: {exact: 3}}"), r));
  EXPECT_TRUE(permits(
      with("{key: payload}, {key: groups}", "{list_match: {one_of: {string_match: {exact: ops}}}}"),
      r));
  EXPECT_FALSE(permits(
      with("{key: payload}, {key: groups}", "{list_match: {one_of: {string_match: {exact: qa}}}}"),
      r));
  EXPECT_TRUE(permits(with("{key: payload}, {key: nothing}", "{null_match: {}}"), r));
  EXPECT_TRUE(permits(
      with("{key: payload}, {key: level}",
           "{or_match: {value_matchers: [{bool_match: true}, {double_match: {exact: 3}}]}}"),
      r));
  EXPECT_TRUE(permits(with("{key: payload}, {key: iss}", "{present_match: true}"), r));
  // A missing key is an unset value: only present_match or an inverted matcher see it.
  EXPECT_FALSE(permits(with("{key: payload}, {key: missing}", "{present_match: true}"), r));
  EXPECT_FALSE(permits(with("{key: payload}, {key: missing}", "{present_match: false}"), r));
  EXPECT_TRUE(permits(with("{key: payload}, {key: missing}", "{present_match: true}", true), r));
  EXPECT_TRUE(
      permits(with("{key: payload}, {key: iss}", "{string_match: {exact: other}}", true), r));
  // A path through a non-struct value, or a missing namespace, finds nothing.
  EXPECT_FALSE(permits(with("{key: payload}, {key: iss}, {key: x}", "{present_match: true}"), r));
  Request none;
  EXPECT_FALSE(permits(with("{key: payload}", "{present_match: true}"), none));
}

TEST(RbacPermissionTest, AndOrNot) {
  Request r;
  r.headers.add(":method", "GET");
  r.headers.add(":path", "/orders");
  const std::string get = "{header: {name: ':method', string_match: {exact: GET}}}";
  const std::string post = "{header: {name: ':method', string_match: {exact: POST}}}";
  const std::string orders = "{url_path: {path: {exact: /orders}}}";
  EXPECT_TRUE(permits("{and_rules: {rules: [" + get + ", " + orders + "]}}", r));
  EXPECT_FALSE(permits("{and_rules: {rules: [" + post + ", " + orders + "]}}", r));
  EXPECT_TRUE(permits("{or_rules: {rules: [" + post + ", " + orders + "]}}", r));
  EXPECT_FALSE(permits("{or_rules: {rules: [" + post + ", {destination_port: 1}]}}", r));
  EXPECT_TRUE(permits("{not_rule: " + post + "}", r));
  EXPECT_FALSE(permits("{not_rule: " + get + "}", r));
  EXPECT_TRUE(
      permits("{not_rule: {and_rules: {rules: [" + get + ", {not_rule: " + orders + "}]}}}", r));
}

TEST(RbacPermissionTest, PolicyNeedsAPermissionAndAPrincipal) {
  Request r;
  r.headers.add(":path", "/a");
  // Several permissions: any one; several principals: any one; both sides must match.
  auto engine = mustEngine(R"(
action: ALLOW
policies:
  p:
    permissions: [{url_path: {path: {exact: /b}}}, {url_path: {path: {exact: /a}}}]
    principals: [{direct_remote_ip: {address_prefix: 1.1.1.1, prefix_len: 32}},
                 {direct_remote_ip: {address_prefix: 192.168.0.0, prefix_len: 16}}]
)");
  ASSERT_NE(engine, nullptr);
  EXPECT_TRUE(engine->evaluate(r.view()).allowed);
  r.direct_remote = *network::Address::parse("172.16.0.1:1");
  EXPECT_FALSE(engine->evaluate(r.view()).allowed);
}

}  // namespace
}  // namespace meshproxy::filters::rbac
