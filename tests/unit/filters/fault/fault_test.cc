#include <gtest/gtest.h>

#include <deque>

#include "envoy/extensions/filters/http/fault/v3/fault.pb.h"
#include "proxy/core/strings.h"
#include "proxy/filters/http/fault/fault_config.h"
#include "proxy/filters/http/fault/fault_decision.h"
#include "proxy/stats/store.h"
#include "tests/unit/filters/proto_yaml.h"

namespace meshproxy::filters::fault {
namespace {

using Proto = envoy::extensions::filters::http::fault::v3::HTTPFault;
using std::chrono::milliseconds;

// Draws given by the test; 0 once they run out (0 % d < n: enabled for any n > 0).
class ScriptedRandom final : public RandomSource {
 public:
  ScriptedRandom(std::initializer_list<uint64_t> draws) : draws_(draws) {}
  uint64_t next() override {
    if (draws_.empty()) return 0;
    const uint64_t v = draws_.front();
    draws_.pop_front();
    return v;
  }

 private:
  std::deque<uint64_t> draws_;
};

class FaultTest : public ::testing::Test {
 protected:
  std::shared_ptr<const FaultConfig> config(std::string_view yaml) {
    auto c = translateFault(test::protoFromYaml<Proto>(yaml),
                            store_.rootScope().scope("http", "ingress"));
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? *c : nullptr;
  }
  std::string error(std::string_view yaml) {
    auto c = translateFault(test::protoFromYaml<Proto>(yaml), store_.rootScope());
    return c.ok() ? "" : std::string(toStd(c.status().message()));
  }
  uint64_t counter(std::string_view name) {
    return store_.rootScope().scope("http", "ingress").scope("fault").counter(name).value();
  }

  stats::Store store_;
};

TEST_F(FaultTest, FixedDelayAndAbortAtTheirPercentages) {
  auto c = config(R"(
delay: {fixed_delay: 0.25s, percentage: {numerator: 30, denominator: HUNDRED}}
abort: {http_status: 503, percentage: {numerator: 10, denominator: HUNDRED}}
)");
  // Draw 1 for the delay (x % 100 < 30), draw 2 for the abort (x % 100 < 10).
  ScriptedRandom both{29, 9};
  FaultDecision d = decideFaults(*c, {}, "backend", both);
  ASSERT_TRUE(d.delay.has_value());
  EXPECT_EQ(*d.delay, milliseconds(250));
  ASSERT_TRUE(d.abort.has_value());
  EXPECT_EQ(d.abort->http_status, 503u);
  EXPECT_FALSE(d.abort->grpc_status.has_value());
  EXPECT_TRUE(d.slot.held());

  ScriptedRandom neither{30, 10};
  EXPECT_FALSE(decideFaults(*c, {}, "backend", neither).any());
  ScriptedRandom abort_only{130, 205};
  FaultDecision a = decideFaults(*c, {}, "backend", abort_only);
  EXPECT_FALSE(a.delay.has_value());
  EXPECT_TRUE(a.abort.has_value());

  EXPECT_EQ(counter("delays_injected"), 1u);
  EXPECT_EQ(counter("aborts_injected"), 2u);
}

TEST_F(FaultTest, PercentagesHoldOverManyRequests) {
  auto c = config(R"(
delay: {fixed_delay: 1s, percentage: {numerator: 2500, denominator: TEN_THOUSAND}}
abort: {http_status: 500, percentage: {numerator: 5, denominator: HUNDRED}}
)");
  SeededRandom random(42);
  constexpr int kRequests = 100000;
  int delays = 0, aborts = 0;
  for (int i = 0; i < kRequests; ++i) {
    FaultDecision d = decideFaults(*c, {}, "", random);
    delays += d.delay.has_value();
    aborts += d.abort.has_value();
  }
  EXPECT_NEAR(delays, kRequests * 0.25, kRequests * 0.01);
  EXPECT_NEAR(aborts, kRequests * 0.05, kRequests * 0.005);
}

TEST_F(FaultTest, UnsetPercentageIsZero) {
  auto c = config("abort: {http_status: 503}");
  ScriptedRandom r{0, 0};
  EXPECT_FALSE(decideFaults(*c, {}, "", r).any());
}

TEST_F(FaultTest, GrpcAbort) {
  auto c = config("abort: {grpc_status: 14, percentage: {numerator: 100}}");
  ScriptedRandom r{0};
  FaultDecision d = decideFaults(*c, {}, "", r);
  ASSERT_TRUE(d.abort.has_value());
  EXPECT_EQ(d.abort->http_status, 200u);
  EXPECT_EQ(d.abort->grpc_status, 14u);
}

TEST_F(FaultTest, HeaderControlledFaults) {
  auto c = config(R"(
delay: {header_delay: {}, percentage: {numerator: 50, denominator: HUNDRED}}
abort: {header_abort: {}, percentage: {numerator: 100}}
response_rate_limit: {header_limit: {}, percentage: {numerator: 100}}
)");
  ScriptedRandom r0{};
  // No headers: no fault at all, and no active slot taken.
  FaultDecision none = decideFaults(*c, {}, "", r0);
  EXPECT_FALSE(none.any());
  EXPECT_FALSE(none.slot.held());

  const http::HeaderMap request = {{"x-envoy-fault-delay-request", "120"},
                                   {"x-envoy-fault-abort-request", "429"},
                                   {"x-envoy-fault-throughput-response", "64"}};
  ScriptedRandom all{0, 0, 0};
  FaultDecision d = decideFaults(*c, request, "", all);
  EXPECT_EQ(d.delay, milliseconds(120));
  ASSERT_TRUE(d.abort.has_value());
  EXPECT_EQ(d.abort->http_status, 429u);
  EXPECT_EQ(d.response_rate_kbps, 64u);

  // Invalid values are no fault: status outside [200, 600), a zero delay or rate, not a number.
  const http::HeaderMap bad = {{"x-envoy-fault-delay-request", "0"},
                               {"x-envoy-fault-abort-request", "600"},
                               {"x-envoy-fault-throughput-response", "abc"}};
  ScriptedRandom r1{0, 0, 0};
  EXPECT_FALSE(decideFaults(*c, bad, "", r1).any());

  // The gRPC header, when no valid HTTP status is given.
  ScriptedRandom r2{0, 0, 0};
  FaultDecision grpc = decideFaults(*c, {{"x-envoy-fault-abort-grpc-request", "4"}}, "", r2);
  ASSERT_TRUE(grpc.abort.has_value());
  EXPECT_EQ(grpc.abort->grpc_status, 4u);
}

TEST_F(FaultTest, HeaderPercentageLowersButNeverRaisesTheConfiguredOne) {
  auto c = config("delay: {header_delay: {}, percentage: {numerator: 50, denominator: HUNDRED}}");
  http::HeaderMap request = {{"x-envoy-fault-delay-request", "10"},
                             {"x-envoy-fault-delay-request-percentage", "20"}};
  ScriptedRandom in{19};
  EXPECT_TRUE(decideFaults(*c, request, "", in).delay.has_value());
  ScriptedRandom out{20};
  EXPECT_FALSE(decideFaults(*c, request, "", out).delay.has_value());
  request.set("x-envoy-fault-delay-request-percentage", "90");
  ScriptedRandom capped{50};
  EXPECT_FALSE(decideFaults(*c, request, "", capped).delay.has_value());
  // A fixed fault ignores the header.
  auto fixed = config("delay: {fixed_delay: 1s, percentage: {numerator: 50}}");
  request.set("x-envoy-fault-delay-request-percentage", "0");
  ScriptedRandom fixed_draw{10};
  EXPECT_TRUE(decideFaults(*fixed, request, "", fixed_draw).delay.has_value());
}

TEST_F(FaultTest, ConditionsUpstreamClusterDownstreamNodesHeaders) {
  auto c = config(R"(
abort: {http_status: 503, percentage: {numerator: 100}}
upstream_cluster: payments
downstream_nodes: [checkout-1, checkout-2]
headers: [{name: x-chaos, string_match: {exact: 'on'}}]
)");
  const http::HeaderMap ok = {{"x-envoy-downstream-service-node", "checkout-2"}, {"x-chaos", "on"}};
  ScriptedRandom r{};
  EXPECT_TRUE(decideFaults(*c, ok, "payments", r).abort.has_value());
  EXPECT_FALSE(decideFaults(*c, ok, "orders", r).any());
  http::HeaderMap other_node = ok;
  other_node.set("x-envoy-downstream-service-node", "checkout-3");
  EXPECT_FALSE(decideFaults(*c, other_node, "payments", r).any());
  http::HeaderMap no_header = ok;
  no_header.remove("x-chaos");
  EXPECT_FALSE(decideFaults(*c, no_header, "payments", r).any());
}

TEST_F(FaultTest, MaxActiveFaultsOverflowAndRelease) {
  auto c = config(R"(
delay: {fixed_delay: 1s, percentage: {numerator: 100}}
response_rate_limit: {fixed_limit: {limit_kbps: 10}, percentage: {numerator: 100}}
max_active_faults: 2
)");
  ScriptedRandom r{};
  FaultDecision first = decideFaults(*c, {}, "", r);
  FaultDecision second = decideFaults(*c, {}, "", r);
  EXPECT_TRUE(first.slot.held());  // two faults on one request: one slot
  EXPECT_EQ(c->active->count(), 2u);
  FaultDecision third = decideFaults(*c, {}, "", r);
  EXPECT_FALSE(third.any());
  EXPECT_EQ(counter("faults_overflow"), 1u);
  EXPECT_EQ(
      store_.rootScope().scope("http", "ingress").scope("fault").gauge("active_faults").value(), 2);
  first = FaultDecision{};  // the stream ended
  EXPECT_EQ(c->active->count(), 1u);
  EXPECT_TRUE(decideFaults(*c, {}, "", r).any());
  EXPECT_EQ(counter("response_rl_injected"), 3u);
  EXPECT_EQ(counter("delays_injected"), 3u);
}

TEST_F(FaultTest, DownstreamClusterStats) {
  auto c = config("abort: {http_status: 503, percentage: {numerator: 100}}");
  ScriptedRandom r{};
  decideFaults(*c, {{"x-envoy-downstream-service-cluster", "frontend"}}, "", r);
  EXPECT_EQ(store_.rootScope()
                .scope("http", "ingress")
                .scope("fault")
                .scope("frontend")
                .counter("aborts_injected")
                .value(),
            1u);
  auto off = config(
      "abort: {http_status: 503, percentage: {numerator: 100}}\n"
      "disable_downstream_cluster_stats: true");
  decideFaults(*off, {{"x-envoy-downstream-service-cluster", "other"}}, "", r);
  EXPECT_EQ(store_.renderText().find("fault.other.aborts_injected"), std::string::npos);
}

TEST_F(FaultTest, TranslationKeepsEveryField) {
  auto c = config(R"(
delay: {fixed_delay: 2s, percentage: {numerator: 1, denominator: MILLION}}
abort: {http_status: 418, percentage: {numerator: 3, denominator: TEN_THOUSAND}}
response_rate_limit: {fixed_limit: {limit_kbps: 100}, percentage: {numerator: 7}}
max_active_faults: 9
delay_percent_runtime: a
abort_percent_runtime: b
delay_duration_runtime: c
abort_http_status_runtime: d
max_active_faults_runtime: e
response_rate_limit_percent_runtime: f
abort_grpc_status_runtime: g
filter_metadata: {chaos: drill-7}
)");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->delay->fixed, milliseconds(2000));
  EXPECT_EQ(c->delay->percentage.configured, (FractionalPercent{1, 1000000}));
  EXPECT_EQ(c->abort->percentage.configured, (FractionalPercent{3, 10000}));
  EXPECT_EQ(c->response_rate_limit->fixed_kbps, 100u);
  EXPECT_EQ(c->max_active_faults, 9u);
  EXPECT_NE(c->filter_metadata_json.find("drill-7"), std::string::npos);
}

TEST_F(FaultTest, Errors) {
  EXPECT_NE(error("abort: {http_status: 100}").find("abort.http_status"), std::string::npos);
  EXPECT_NE(error("abort: {percentage: {numerator: 1}}").find("abort"), std::string::npos);
  EXPECT_NE(error("delay: {percentage: {numerator: 1}}").find("delay"), std::string::npos);
  EXPECT_NE(error("response_rate_limit: {fixed_limit: {limit_kbps: 0}}").find("limit_kbps"),
            std::string::npos);
  EXPECT_NE(
      error("headers: [{name: x, string_match: {safe_regex: {regex: '('}}}]").find("headers[0]"),
      std::string::npos);
}

TEST_F(FaultTest, PerRouteSharesTheFiltersStatsAndActiveCount) {
  auto filter = config("max_active_faults: 1");
  auto route = translateFaultPerRoute(
      test::protoFromYaml<Proto>("abort: {http_status: 500, percentage: {numerator: 100}}"),
      *filter);
  ASSERT_TRUE(route.ok()) << route.status();
  EXPECT_EQ((*route)->active, filter->active);
  EXPECT_FALSE((*route)->max_active_faults.has_value());  // the route's own config: unlimited
  ScriptedRandom r{};
  FaultDecision d = decideFaults(**route, {}, "", r);
  EXPECT_TRUE(d.abort.has_value());
  EXPECT_EQ(filter->active->count(), 1u);
  EXPECT_FALSE(translateFaultPerRoute(
                   test::protoFromYaml<Proto>("disable_downstream_cluster_stats: true"), *filter)
                   .ok());
}

}  // namespace
}  // namespace meshproxy::filters::fault
