#include "proxy/route/rate_limit_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "envoy/config/route/v3/route_components.pb.h"
#include "proxy/core/strings.h"
#include "proxy/route/rate_limit_policy_translator.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::route {
namespace {

// rate_limits written as YAML: a VirtualHost whose only field is the list.
google::protobuf::RepeatedPtrField<envoy::config::route::v3::RateLimit> rateLimitsFromYaml(
    std::string_view yaml) {
  auto vh = test::protoFromYaml<envoy::config::route::v3::VirtualHost>(yaml);
  return vh.rate_limits();
}

RateLimitPolicy policy(std::string_view yaml) {
  auto p = translateRateLimits(rateLimitsFromYaml(yaml));
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? std::move(*p) : RateLimitPolicy();
}

std::string error(std::string_view yaml) {
  auto p = translateRateLimits(rateLimitsFromYaml(yaml));
  return p.ok() ? "" : std::string(toStd(p.status().message()));
}

// Descriptors as "k=v,k=v|k=v" for compact expectations.
std::string str(const RateLimitDescriptorList& list) {
  std::string out;
  for (const auto& d : list.descriptors()) {
    if (!out.empty()) out += "|";
    bool first = true;
    for (const auto& e : d.entries()) {
      if (!first) out += ",";
      first = false;
      out += e.key + "=" + e.value;
    }
  }
  return out;
}

struct Request {
  http::HeaderMap headers{{":method", "GET"},
                          {":path", "/api/v1?user=alice&debug"},
                          {":authority", "shop"},
                          {"x-tenant", "acme"},
                          {"x-plan", "gold"}};
  network::Address client = *network::Address::parse("10.1.2.3:5555");
  RateLimitRequest view() const { return {headers, &client, "backend", "frontend"}; }
};

std::string populate(const RateLimitPolicy& p, const RateLimitRequest& r, uint32_t stage = 0) {
  RateLimitDescriptorList out;
  p.populate(stage, false, r, out);
  return str(out);
}

TEST(RateLimitActions, EachActionWithEnvoysKeys) {
  Request r;
  auto p = policy(R"(
rate_limits:
- actions:
  - source_cluster: {}
  - destination_cluster: {}
  - remote_address: {}
  - generic_key: {descriptor_value: gk}
  - generic_key: {descriptor_key: custom, descriptor_value: v}
  - request_headers: {header_name: X-Tenant, descriptor_key: tenant}
  - header_value_match:
      descriptor_value: gold_plan
      headers: [{name: x-plan, string_match: {exact: gold}}]
  - query_parameter_value_match:
      descriptor_value: alice
      query_parameters: [{name: user, string_match: {exact: alice}}]
)");
  EXPECT_EQ(populate(p, r.view()),
            "source_cluster=frontend,destination_cluster=backend,remote_address=10.1.2.3,"
            "generic_key=gk,custom=v,tenant=acme,header_match=gold_plan,query_match=alice");
}

TEST(RateLimitActions, MaskedRemoteAddress) {
  Request r;
  auto p = policy(R"(
rate_limits:
- actions: [{masked_remote_address: {v4_prefix_mask_len: 16}}]
- actions: [{masked_remote_address: {}}]
)");
  EXPECT_EQ(populate(p, r.view()),
            "masked_remote_address=10.1.0.0/16|masked_remote_address=10.1.2.3/32");
  r.client = *network::Address::parse("[2001:db8:aa::1]:80");
  auto v6 = policy("rate_limits: [{actions: [{masked_remote_address: {v6_prefix_mask_len: 48}}]}]");
  EXPECT_EQ(populate(v6, r.view()), "masked_remote_address=2001:db8:aa::/48");
}

TEST(RateLimitActions, AnActionThatDeclinesDropsTheWholeDescriptor) {
  Request r;
  auto p = policy(R"(
rate_limits:
- actions:
  - generic_key: {descriptor_value: first}
  - request_headers: {header_name: x-missing, descriptor_key: m}
- actions:
  - generic_key: {descriptor_value: second}
  - request_headers: {header_name: x-missing, descriptor_key: m, skip_if_absent: true}
- actions:
  - request_headers: {header_name: x-missing, descriptor_key: m, skip_if_absent: true}
- actions:
  - header_value_match:
      descriptor_value: not_gold
      expect_match: false
      headers: [{name: x-plan, string_match: {exact: gold}}]
- actions:
  - header_value_match:
      descriptor_value: not_silver
      expect_match: false
      headers: [{name: x-plan, string_match: {exact: silver}}]
)");
  // The first needs the header; the second skips it; the third has nothing left (no empty
  // descriptor); the fourth's match succeeded against expect_match false.
  EXPECT_EQ(populate(p, r.view()), "generic_key=second|header_match=not_silver");
}

TEST(RateLimitActions, RemoteAddressDeclinesWithoutAnIpClient) {
  Request r;
  auto p = policy("rate_limits: [{actions: [{remote_address: {}}]}]");
  RateLimitRequest view{r.headers, nullptr, "backend", ""};
  EXPECT_EQ(populate(p, view), "");
}

TEST(RateLimitActions, RepeatedHeaderUsesItsFirstValue) {
  Request r;
  r.headers.add("x-tenant", "other");
  auto p = policy(
      "rate_limits: [{actions: [{request_headers: {header_name: x-tenant, "
      "descriptor_key: t}}]}]");
  EXPECT_EQ(populate(p, r.view()), "t=acme");
}

TEST(RateLimitPolicyStages, OnlyTheEntriesOfTheStage) {
  Request r;
  auto p = policy(R"(
rate_limits:
- actions: [{generic_key: {descriptor_value: s0}}]
- stage: 1
  actions: [{generic_key: {descriptor_value: s1}}]
)");
  EXPECT_EQ(populate(p, r.view(), 0), "generic_key=s0");
  EXPECT_EQ(populate(p, r.view(), 1), "generic_key=s1");
  EXPECT_EQ(populate(p, r.view(), 2), "");
  EXPECT_TRUE(p.hasStage(1));
  EXPECT_FALSE(p.hasStage(2));
}

TEST(RateLimitPolicyStages, VirtualHostOptionsAndDisableKey) {
  Request r;
  auto route = policy(R"(
rate_limits:
- actions: [{generic_key: {descriptor_value: route}}]
- disable_key: some.runtime.key
  actions: [{generic_key: {descriptor_value: disabled}}]
)");
  auto vh = policy("rate_limits: [{actions: [{generic_key: {descriptor_value: vh}}]}]");
  RateLimitPolicy none;
  auto run = [&](const RateLimitPolicy& rt, VhRateLimits option, RateLimitFilterKind kind) {
    RateLimitDescriptorList out;
    populateRateLimitDescriptors(rt, vh, option, 0, kind, r.view(), out);
    return str(out);
  };
  const auto local = RateLimitFilterKind::kLocal;
  EXPECT_EQ(run(route, VhRateLimits::kOverride, local), "generic_key=route");
  EXPECT_EQ(run(none, VhRateLimits::kOverride, local), "generic_key=vh");
  EXPECT_EQ(run(route, VhRateLimits::kInclude, local), "generic_key=route|generic_key=vh");
  EXPECT_EQ(run(none, VhRateLimits::kIgnore, local), "");
  // The rate limit service filter keeps entries with a disable_key.
  EXPECT_EQ(run(route, VhRateLimits::kOverride, RateLimitFilterKind::kGlobal),
            "generic_key=route|generic_key=disabled");
}

TEST(RateLimitPolicyStages, ReusedListAllocatesOnceAndStaysCorrect) {
  Request r;
  auto p = policy(
      "rate_limits: [{actions: [{request_headers: {header_name: x-tenant, "
      "descriptor_key: t}}]}]");
  RateLimitDescriptorList out;
  for (int i = 0; i < 3; ++i) {
    out.clear();
    p.populate(0, false, r.view(), out);
    ASSERT_EQ(str(out), "t=acme");
  }
}

TEST(RateLimitTranslation, RefusesWhatItDoesNotImplementByName) {
  EXPECT_EQ(error(R"(
rate_limits:
- actions:
  - metadata: {descriptor_key: k, metadata_key: {key: ns, path: [{key: a}]}}
)"),
            "unsupported field 'rate_limits[0].actions[0].metadata' "
            "(envoy.config.route.v3.RateLimit.Action.metadata): meshproxy does not implement it");
  EXPECT_NE(error(R"(
rate_limits:
- actions: [{generic_key: {descriptor_value: x}}]
  limit: {dynamic_metadata: {metadata_key: {key: ns, path: [{key: a}]}}}
)")
                .find("'rate_limits[0].limit'"),
            std::string::npos);
  EXPECT_NE(error("rate_limits: [{actions: [{extension: {name: x}}]}]")
                .find("'rate_limits[0].actions[0].extension'"),
            std::string::npos);
}

TEST(RateLimitTranslation, ValidatesValues) {
  EXPECT_EQ(error("rate_limits: [{actions: []}]"),
            "rate_limits[0].actions: needs at least one action");
  EXPECT_EQ(error("rate_limits: [{stage: 11, actions: [{remote_address: {}}]}]"),
            "rate_limits[0].stage: must be at most 10");
  EXPECT_EQ(error("rate_limits: [{actions: [{request_headers: {header_name: '', descriptor_key: "
                  "k}}]}]"),
            "rate_limits[0].actions[0]: request_headers.header_name: is empty");
  EXPECT_EQ(error("rate_limits: [{actions: [{generic_key: {descriptor_value: ''}}]}]"),
            "rate_limits[0].actions[0]: generic_key.descriptor_value: is empty");
  EXPECT_EQ(error("rate_limits: [{actions: [{masked_remote_address: {v4_prefix_mask_len: 33}}]}]"),
            "rate_limits[0].actions[0]: masked_remote_address.v4_prefix_mask_len: must be at "
            "most 32");
  EXPECT_EQ(error("rate_limits: [{actions: [{header_value_match: {descriptor_value: v}}]}]"),
            "rate_limits[0].actions[0]: header_value_match.headers: is empty");
  EXPECT_NE(error(R"(
rate_limits:
- actions:
  - header_value_match:
      descriptor_value: v
      headers: [{name: x, string_match: {safe_regex: {regex: '('}}}]
)")
                .find("rate_limits[0].actions[0]: header_value_match.headers[0]"),
            std::string::npos);
}

}  // namespace
}  // namespace meshproxy::route
