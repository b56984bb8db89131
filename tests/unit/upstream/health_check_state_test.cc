// The health check state machine (Envoy's ActiveHealthCheckSession rules) without I/O:
// thresholds, the first-check rule, failure types, and the interval choice.
#include "proxy/upstream/health_check_state.h"

#include <gtest/gtest.h>

#include "envoy/data/core/v3/health_check_event.pb.h"
#include "proxy/upstream/grpc_health_check_codec.h"
#include "proxy/upstream/health_check_event_logger.h"
#include "proxy/upstream/tcp_health_check_session.h"

namespace meshproxy::upstream {
namespace {

using std::chrono::milliseconds;

struct StateFixture {
  HealthCheckConfig config;
  Host host{*network::Address::fromIpPort("10.0.0.1", 80), "h"};
  StateFixture() {
    config.unhealthy_threshold = 3;
    config.healthy_threshold = 2;
    config.interval = milliseconds(1000);
    config.unhealthy_interval = milliseconds(2000);
    config.unhealthy_edge_interval = milliseconds(300);
    config.healthy_edge_interval = milliseconds(400);
    config.no_traffic_interval = milliseconds(60000);
    config.no_traffic_healthy_interval = milliseconds(50000);
  }
};

TEST(HealthCheckStateTest, NewHostIsHealthyAfterItsFirstPassingCheck) {
  StateFixture f;
  f.host.setHealthFlag(HealthFlag::kFailedActiveHc);  // what discovery sets on a new host
  HealthCheckState state(f.config, f.host);
  EXPECT_TRUE(state.firstCheck());
  EXPECT_EQ(state.onSuccess(), HealthTransition::kChanged);
  EXPECT_TRUE(f.host.healthy());
  EXPECT_FALSE(state.firstCheck());
}

TEST(HealthCheckStateTest, ActiveFailureEjectsAtOnceNetworkFailuresNeedTheThreshold) {
  StateFixture f;
  HealthCheckState state(f.config, f.host);
  EXPECT_EQ(state.onFailure(HealthCheckFailureType::kNetwork, false),
            HealthTransition::kChangePending);
  EXPECT_EQ(state.onFailure(HealthCheckFailureType::kNetworkTimeout, false),
            HealthTransition::kChangePending);
  EXPECT_TRUE(f.host.healthy());
  EXPECT_EQ(state.onFailure(HealthCheckFailureType::kNetwork, false), HealthTransition::kChanged);
  EXPECT_TRUE(f.host.healthFlag(HealthFlag::kFailedActiveHc));
  // Already unhealthy: further failures change nothing.
  EXPECT_EQ(state.onFailure(HealthCheckFailureType::kActive, false), HealthTransition::kUnchanged);

  StateFixture g;
  HealthCheckState active(g.config, g.host);
  EXPECT_EQ(active.onFailure(HealthCheckFailureType::kActive, false), HealthTransition::kChanged);
  EXPECT_FALSE(g.host.healthy());

  // A retriable status counts like a network failure.
  StateFixture r;
  HealthCheckState retriable(r.config, r.host);
  EXPECT_EQ(retriable.onFailure(HealthCheckFailureType::kActive, true),
            HealthTransition::kChangePending);
  EXPECT_TRUE(r.host.healthy());
}

TEST(HealthCheckStateTest, RecoveryNeedsHealthyThresholdPassesInARow) {
  StateFixture f;
  HealthCheckState state(f.config, f.host);
  ASSERT_EQ(state.onFailure(HealthCheckFailureType::kActive, false), HealthTransition::kChanged);
  EXPECT_EQ(state.onSuccess(), HealthTransition::kChangePending);
  // A failure in between resets the count.
  EXPECT_EQ(state.onFailure(HealthCheckFailureType::kActive, false), HealthTransition::kUnchanged);
  EXPECT_EQ(state.onSuccess(), HealthTransition::kChangePending);
  EXPECT_FALSE(f.host.healthy());
  EXPECT_EQ(state.onSuccess(), HealthTransition::kChanged);
  EXPECT_TRUE(f.host.healthy());
  EXPECT_EQ(state.onSuccess(), HealthTransition::kUnchanged);
}

TEST(HealthCheckStateTest, ASuccessResetsTheUnhealthyCount) {
  StateFixture f;
  HealthCheckState state(f.config, f.host);
  state.onFailure(HealthCheckFailureType::kNetwork, false);
  state.onFailure(HealthCheckFailureType::kNetwork, false);
  state.onSuccess();
  state.onFailure(HealthCheckFailureType::kNetwork, false);
  state.onFailure(HealthCheckFailureType::kNetwork, false);
  EXPECT_TRUE(f.host.healthy());
}

TEST(HealthCheckStateTest, IntervalsFollowTrafficStateAndTransition) {
  StateFixture f;
  HealthCheckState state(f.config, f.host);
  // No traffic yet: the slow intervals.
  EXPECT_EQ(state.nextInterval(true, HealthTransition::kUnchanged, false, 0), milliseconds(50000));
  EXPECT_EQ(state.nextInterval(true, HealthTransition::kChangePending, false, 0),
            milliseconds(60000));
  EXPECT_EQ(state.nextInterval(false, HealthTransition::kUnchanged, false, 0), milliseconds(60000));
  // With traffic.
  EXPECT_EQ(state.nextInterval(true, HealthTransition::kUnchanged, true, 0), milliseconds(1000));
  EXPECT_EQ(state.nextInterval(true, HealthTransition::kChanged, true, 0), milliseconds(1000));
  EXPECT_EQ(state.nextInterval(true, HealthTransition::kChangePending, true, 0), milliseconds(400));
  EXPECT_EQ(state.nextInterval(false, HealthTransition::kUnchanged, true, 0), milliseconds(2000));
  EXPECT_EQ(state.nextInterval(false, HealthTransition::kChangePending, true, 0),
            milliseconds(300));
}

TEST(HealthCheckStateTest, JitterStaysWithinItsBounds) {
  StateFixture f;
  f.config.interval_jitter = milliseconds(100);
  f.config.interval_jitter_percent = 10;  // of 1000 ms: up to 100 more
  f.config.initial_jitter = milliseconds(500);
  HealthCheckState state(f.config, f.host);
  uint64_t seen_min = ~0ull, seen_max = 0;
  for (uint64_t r = 1; r < 200000; r = r * 7 + 13) {
    auto ms = static_cast<uint64_t>(
        state.nextInterval(true, HealthTransition::kUnchanged, true, r).count());
    seen_min = std::min(seen_min, ms);
    seen_max = std::max(seen_max, ms);
    EXPECT_LT(state.initialDelay(r), milliseconds(500));
  }
  EXPECT_GE(seen_min, 1000u);
  EXPECT_LT(seen_max, 1200u);
  EXPECT_GT(seen_max, 1000u);
  f.config.initial_jitter = milliseconds(0);
  EXPECT_EQ(state.initialDelay(12345), milliseconds(0));
}

TEST(TcpHealthCheckMatchTest, BlocksMustAppearInOrder) {
  EXPECT_TRUE(TcpHealthCheckSession::matches({}, ""));
  EXPECT_TRUE(TcpHealthCheckSession::matches({"PO", "NG"}, "xxPOyyNGzz"));
  EXPECT_FALSE(TcpHealthCheckSession::matches({"NG", "PO"}, "xxPOyyNGzz"));
  EXPECT_FALSE(TcpHealthCheckSession::matches({"PONG"}, "PON"));
}

TEST(GrpcHealthCheckCodecTest, RequestAndResponseOnTheWire) {
  // HealthCheckRequest{service: "svc"}: tag 0x0a, length 3, "svc", in a 5-byte gRPC frame.
  EXPECT_EQ(encodeGrpcHealthCheckRequest("svc"), std::string("\0\0\0\0\x05\x0a\x03svc", 10));
  EXPECT_EQ(encodeGrpcHealthCheckRequest(""), std::string(5, '\0'));
  // HealthCheckResponse{status: SERVING}.
  auto serving = decodeGrpcHealthCheckResponse(std::string("\0\0\0\0\x02\x08\x01", 7));
  ASSERT_TRUE(serving.ok());
  EXPECT_EQ(*serving, 1);
  auto empty = decodeGrpcHealthCheckResponse(std::string(5, '\0'));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, 0);  // UNKNOWN
  EXPECT_FALSE(decodeGrpcHealthCheckResponse("").ok());
  EXPECT_FALSE(decodeGrpcHealthCheckResponse(std::string("\x01\0\0\0\x02\x08\x01", 7)).ok());
  EXPECT_FALSE(decodeGrpcHealthCheckResponse(std::string("\0\0\0\0\x05\x08\x01", 7)).ok());
}

TEST(HealthCheckEventLoggerTest, EventsAreEnvoysJsonLines) {
  envoy::data::core::v3::HealthCheckEvent event;
  event.set_health_checker_type(envoy::data::core::v3::HTTP);
  event.mutable_host()->mutable_socket_address()->set_address("10.0.0.1");
  event.mutable_host()->mutable_socket_address()->set_port_value(80);
  event.set_cluster_name("backend");
  event.mutable_eject_unhealthy_event()->set_failure_type(envoy::data::core::v3::ACTIVE);
  std::string json = HealthCheckEventLogger::toJson(event);
  EXPECT_NE(json.find("\"health_checker_type\":\"HTTP\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"eject_unhealthy_event\":{\"failure_type\":\"ACTIVE\"}"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"cluster_name\":\"backend\""), std::string::npos) << json;
}

}  // namespace
}  // namespace meshproxy::upstream
