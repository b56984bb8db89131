#include <gtest/gtest.h>

#include <vector>

#include "envoy/config/route/v3/route_components.pb.h"
#include "envoy/extensions/filters/http/cors/v3/cors.pb.h"
#include "proxy/core/strings.h"
#include "proxy/filters/http/cors/cors_evaluation.h"
#include "proxy/filters/http/cors/cors_policy.h"
#include "proxy/stats/store.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::cors {
namespace {

using RouteProto = envoy::config::route::v3::CorsPolicy;
using FilterProto = envoy::extensions::filters::http::cors::v3::CorsPolicy;

std::shared_ptr<const CorsPolicy> policy(std::string_view yaml) {
  auto p = translateRouteCorsPolicy(test::protoFromYaml<RouteProto>(yaml));
  EXPECT_TRUE(p.ok()) << p.status();
  return p.ok() ? *p : nullptr;
}

constexpr std::string_view kPolicy = R"(
allow_origin_string_match: [{exact: 'https://app.example.com'}, {suffix: '.trusted.example'}]
allow_methods: GET, POST, PUT
allow_headers: content-type, x-token
expose_headers: x-request-id
max_age: '600'
allow_credentials: true
)";

class CorsTest : public ::testing::Test {
 protected:
  CorsRequestState evaluate(std::vector<const CorsPolicy*> policies,
                            const http::HeaderMap& request) {
    return evaluateRequest(policies, request, random_, stats_);
  }

  stats::Store store_;
  CorsStats stats_{&store_.rootScope().counter("cors.origin_valid"),
                   &store_.rootScope().counter("cors.origin_invalid")};
  SeededRandom random_{7};
};

struct Row {
  const char* name;
  http::HeaderMap request;
  CorsAction action;
  bool origin_allowed;
};

TEST_F(CorsTest, DecisionTable) {
  auto p = policy(kPolicy);
  const Row rows[] = {
      {"no origin", {{":method", "GET"}}, CorsAction::kContinue, false},
      {"empty origin", {{":method", "GET"}, {"origin", ""}}, CorsAction::kContinue, false},
      {"allowed origin, simple request",
       {{":method", "GET"}, {"origin", "https://app.example.com"}},
       CorsAction::kCors,
       true},
      {"suffix match",
       {{":method", "POST"}, {"origin", "https://a.trusted.example"}},
       CorsAction::kCors,
       true},
      {"other origin",
       {{":method", "GET"}, {"origin", "https://evil.example"}},
       CorsAction::kCors,
       false},
      {"preflight",
       {{":method", "OPTIONS"},
        {"origin", "https://app.example.com"},
        {"access-control-request-method", "PUT"}},
       CorsAction::kAnswerPreflight,
       true},
      {"OPTIONS without Access-Control-Request-Method is not a preflight",
       {{":method", "OPTIONS"}, {"origin", "https://app.example.com"}},
       CorsAction::kCors,
       true},
      {"preflight from another origin is forwarded (forward_not_matching_preflights default)",
       {{":method", "OPTIONS"},
        {"origin", "https://evil.example"},
        {"access-control-request-method", "PUT"}},
       CorsAction::kCors,
       false},
  };
  for (const Row& row : rows) {
    const CorsRequestState s = evaluate({p.get()}, row.request);
    EXPECT_EQ(s.action, row.action) << row.name;
    EXPECT_EQ(!s.allowed_origin.empty(), row.origin_allowed) << row.name;
  }
  EXPECT_EQ(store_.rootScope().counter("cors.origin_valid").value(), 4u);
  EXPECT_EQ(store_.rootScope().counter("cors.origin_invalid").value(), 2u);
}

TEST_F(CorsTest, PreflightAnswer) {
  auto p = policy(std::string(kPolicy) + "allow_private_network_access: true\n");
  const http::HeaderMap request = {{":method", "OPTIONS"},
                                   {"origin", "https://app.example.com"},
                                   {"access-control-request-method", "PUT"},
                                   {"access-control-request-private-network", "true"}};
  const std::vector<const CorsPolicy*> policies = {p.get()};
  const CorsRequestState s = evaluate(policies, request);
  ASSERT_EQ(s.action, CorsAction::kAnswerPreflight);
  const http::HeaderMap r = preflightResponse(policies, request, s);
  EXPECT_EQ(r.status(), 200u);
  EXPECT_EQ(r.get("access-control-allow-origin"), "https://app.example.com");
  EXPECT_EQ(r.get("access-control-allow-credentials"), "true");
  EXPECT_EQ(r.get("access-control-allow-methods"), "GET, POST, PUT");
  EXPECT_EQ(r.get("access-control-allow-headers"), "content-type, x-token");
  EXPECT_EQ(r.get("access-control-max-age"), "600");
  EXPECT_EQ(r.get("access-control-allow-private-network"), "true");
  EXPECT_FALSE(r.has("access-control-expose-headers"));  // actual responses only
}

TEST_F(CorsTest, WildcardMethodsAndHeadersEchoTheRequest) {
  auto p =
      policy("allow_origin_string_match: [{exact: '*'}]\nallow_methods: '*'\nallow_headers: '*'\n");
  const http::HeaderMap request = {{":method", "OPTIONS"},
                                   {"origin", "https://anyone.example"},
                                   {"access-control-request-method", "DELETE"},
                                   {"access-control-request-headers", "x-a, x-b"}};
  const std::vector<const CorsPolicy*> policies = {p.get()};
  const CorsRequestState s = evaluate(policies, request);
  ASSERT_EQ(s.action, CorsAction::kAnswerPreflight);
  const http::HeaderMap r = preflightResponse(policies, request, s);
  EXPECT_EQ(r.get("access-control-allow-origin"), "https://anyone.example");
  EXPECT_EQ(r.get("access-control-allow-methods"), "DELETE");
  EXPECT_EQ(r.get("access-control-allow-headers"), "x-a, x-b");
  EXPECT_FALSE(r.has("access-control-allow-credentials"));
  EXPECT_FALSE(r.has("access-control-max-age"));
}

TEST_F(CorsTest, NotMatchingPreflightAnsweredWithoutOriginWhenNotForwarded) {
  auto p = policy(std::string(kPolicy) + "forward_not_matching_preflights: false\n");
  const http::HeaderMap request = {{":method", "OPTIONS"},
                                   {"origin", "https://evil.example"},
                                   {"access-control-request-method", "PUT"}};
  const std::vector<const CorsPolicy*> policies = {p.get()};
  const CorsRequestState s = evaluate(policies, request);
  ASSERT_EQ(s.action, CorsAction::kAnswerPreflight);
  const http::HeaderMap r = preflightResponse(policies, request, s);
  EXPECT_FALSE(r.has("access-control-allow-origin"));
}

TEST_F(CorsTest, ActualResponseHeadersAlsoOnLocalReplies) {
  auto p = policy(kPolicy);
  const std::vector<const CorsPolicy*> policies = {p.get()};
  const CorsRequestState s =
      evaluate(policies, {{":method", "GET"}, {"origin", "https://app.example.com"}});
  for (const char* status : {"200", "401", "403", "429"}) {
    http::HeaderMap response = {{":status", status}};
    addResponseHeaders(policies, s, response);
    EXPECT_EQ(response.get("access-control-allow-origin"), "https://app.example.com") << status;
    EXPECT_EQ(response.get("access-control-allow-credentials"), "true");
    EXPECT_EQ(response.get("access-control-expose-headers"), "x-request-id");
  }
  const CorsRequestState denied =
      evaluate(policies, {{":method", "GET"}, {"origin", "https://evil.example"}});
  http::HeaderMap response = {{":status", "200"}};
  addResponseHeaders(policies, denied, response);
  EXPECT_FALSE(response.has("access-control-allow-origin"));
}

TEST_F(CorsTest, RouteFieldsOverrideTheVirtualHostsOneByOne) {
  auto route = policy("allow_methods: GET\nallow_credentials: false\n");
  auto vhost = policy(kPolicy);
  const std::vector<const CorsPolicy*> policies = {route.get(), vhost.get()};
  const http::HeaderMap request = {{":method", "OPTIONS"},
                                   {"origin", "https://app.example.com"},
                                   {"access-control-request-method", "GET"}};
  const CorsRequestState s = evaluate(policies, request);
  ASSERT_EQ(s.action, CorsAction::kAnswerPreflight);  // origins from the virtual host
  const http::HeaderMap r = preflightResponse(policies, request, s);
  EXPECT_EQ(r.get("access-control-allow-methods"), "GET");                    // the route's
  EXPECT_EQ(r.get("access-control-allow-headers"), "content-type, x-token");  // the vhost's
  EXPECT_FALSE(r.has("access-control-allow-credentials"));  // route sets false explicitly
  // No policy at all: not a CORS request.
  EXPECT_EQ(evaluate({nullptr, nullptr}, request).action, CorsAction::kContinue);
}

TEST_F(CorsTest, FilterEnabledAndShadow) {
  auto off = policy(std::string(kPolicy) +
                    "filter_enabled: {default_value: {numerator: 0}, runtime_key: k}\n");
  const http::HeaderMap request = {{":method", "GET"}, {"origin", "https://app.example.com"}};
  EXPECT_EQ(evaluate({off.get()}, request).action, CorsAction::kContinue);
  EXPECT_EQ(store_.rootScope().counter("cors.origin_valid").value(), 0u);

  auto shadow = policy(std::string(kPolicy) +
                       "filter_enabled: {default_value: {numerator: 0}}\n"
                       "shadow_enabled: {default_value: {numerator: 100}}\n");
  // Shadow: counted, but the request is left alone.
  EXPECT_EQ(evaluate({shadow.get()}, request).action, CorsAction::kContinue);
  EXPECT_EQ(store_.rootScope().counter("cors.origin_valid").value(), 1u);

  auto half = policy(std::string(kPolicy) + "filter_enabled: {default_value: {numerator: 50}}\n");
  int cors = 0;
  for (int i = 0; i < 10000; ++i)
    cors += evaluate({half.get()}, request).action == CorsAction::kCors;
  EXPECT_NEAR(cors, 5000, 300);
}

TEST_F(CorsTest, TranslationOfBothProtos) {
  auto f = translateCorsPolicy(test::protoFromYaml<FilterProto>(std::string(kPolicy) + R"(
allow_private_network_access: true
forward_not_matching_preflights: false
filter_enabled: {default_value: {numerator: 25}}
shadow_enabled: {default_value: {numerator: 5}}
)"));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->allow_origins.size(), 2u);
  EXPECT_EQ((*f)->max_age, "600");
  EXPECT_EQ((*f)->allow_credentials, true);
  EXPECT_EQ((*f)->allow_private_network_access, true);
  EXPECT_EQ((*f)->forward_not_matching_preflights, false);
  EXPECT_EQ((*f)->filter_enabled, (FractionalPercent{25, 100}));
  EXPECT_EQ((*f)->shadow_enabled, (FractionalPercent{5, 100}));

  auto bad_age = translateRouteCorsPolicy(test::protoFromYaml<RouteProto>("max_age: 10m"));
  ASSERT_FALSE(bad_age.ok());
  EXPECT_NE(bad_age.status().message().find("max_age"), std::string::npos);
  auto bad_regex = translateRouteCorsPolicy(
      test::protoFromYaml<RouteProto>("allow_origin_string_match: [{safe_regex: {regex: '('}}]"));
  ASSERT_FALSE(bad_regex.ok());
  EXPECT_NE(bad_regex.status().message().find("allow_origin_string_match[0]"), std::string::npos);
  EXPECT_TRUE(checkCorsFilterConfig({}).ok());
}

}  // namespace
}  // namespace meshproxy::filters::cors
