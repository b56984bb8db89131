// RBAC evaluation allocates nothing: counted with the unit test binary's replaced global
// operator new (tests/unit/support/allocation_counter.h).

#include <gtest/gtest.h>

#include "tests/unit/rbac/rbac_test_util.h"
#include "tests/unit/support/allocation_counter.h"

namespace meshproxy::filters::rbac {
namespace {

TEST(RbacNoAllocationTest, EvaluatingAllocatesNothing) {
  auto engine = testing::mustEngine(R"(
action: ALLOW
policies:
  z-last:
    permissions:
    - and_rules: {rules: [{header: {name: ':method', string_match: {exact: POST}}},
                          {url_path: {path: {safe_regex: {regex: '/orders/[0-9]+'}}}},
                          {destination_port_range: {start: 8000, end: 9000}},
                          {destination_ip: {address_prefix: 10.0.0.0, prefix_len: 8}},
                          {requested_server_name: {suffix: .local}},
                          {not_rule: {destination_port: 1}}]}
    principals:
    - and_ids: {ids: [{authenticated: {principal_name: {prefix: 'spiffe://td/'}}},
                      {remote_ip: {address_prefix: 192.168.0.0, prefix_len: 16}},
                      {metadata: {filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub}],
                                  value: {string_match: {exact: alice}}}},
                      {header: {name: x-user, present_match: true}}]}
)");
  ASSERT_NE(engine, nullptr);
  testing::Request r;
  r.headers.add(":method", "POST");
  r.headers.add(":path", "/orders/42?x=1");
  r.headers.add("x-user", "alice");
  r.sni = "orders.local";
  r.ssl.emplace();
  r.ssl->uri_sans = {"spiffe://td/ns/a/sa/b"};
  r.metadata.set("envoy.filters.http.jwt_authn", R"({"payload": {"sub": "alice"}})");
  const RequestView view = r.view();
  // Warm-up: RE2 builds its DFA cache on a regex's first match (once per regex, not per request).
  ASSERT_TRUE(engine->evaluate(view).allowed);

  bool allowed = true;
  size_t allocations = 0;
  {
    meshproxy::testing::ScopedAllocationCounter counter;
    for (int i = 0; i < 100; ++i) allowed = allowed && engine->evaluate(view).allowed;
    allocations = counter.count();
  }
  EXPECT_TRUE(allowed);
  EXPECT_EQ(allocations, 0u);

  // The counter works: a header sent twice is matched as its joined values, which allocates
  // (a string too long for the small-string buffer).
  r.headers.add("x-user", "a-second-value-longer-than-sso");
  const RequestView repeated = r.view();
  {
    meshproxy::testing::ScopedAllocationCounter counter;
    (void)engine->evaluate(repeated);
    allocations = counter.count();
  }
  EXPECT_GT(allocations, 0u);
}

}  // namespace
}  // namespace meshproxy::filters::rbac
