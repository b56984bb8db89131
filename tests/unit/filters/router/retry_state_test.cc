// RetryState: which outcomes are retried under a policy and the trusted x-envoy-* headers,
// how many retries remain, and the back-off (exponential and rate limited).
#include "proxy/filters/http/router/retry_state.h"

#include <gtest/gtest.h>

#include "proxy/core/backoff.h"
#include "proxy/filters/http/router/control_headers.h"
#include "proxy/matcher/header_matcher.h"

namespace meshproxy::filters::router {
namespace {

using std::chrono::milliseconds;
namespace ro = route::retry_on;

http::HeaderMap response(std::string_view status) {
  http::HeaderMap h;
  h.add(":status", status);
  return h;
}

http::HeaderMap get() {
  http::HeaderMap h;
  h.add(":method", "GET");
  h.add(":path", "/");
  return h;
}

RetryState state(const route::RetryPolicy* policy, const http::HeaderMap& request) {
  return RetryState(policy, parseControlHeaders(request), request);
}

TEST(ControlHeadersTest, ParsedInOnePass) {
  http::HeaderMap h = get();
  h.add("x-envoy-retry-on", "5xx,reset,unavailable");  // gRPC names only count in -grpc-on
  h.add("x-envoy-retry-grpc-on", "cancelled,5xx");
  h.add("x-envoy-max-retries", "4");
  h.add("x-envoy-upstream-rq-timeout-ms", "1500");
  h.add("x-envoy-upstream-rq-per-try-timeout-ms", "300");
  h.add("x-envoy-hedge-on-per-try-timeout", "true");
  h.add("x-envoy-retriable-status-codes", "418,425");
  ControlHeaders c = parseControlHeaders(h);
  EXPECT_TRUE(c.any);
  EXPECT_EQ(c.retry_on, ro::k5xx | ro::kReset | ro::kGrpcCancelled);
  EXPECT_EQ(c.max_retries, 4u);
  EXPECT_EQ(c.timeout, milliseconds(1500));
  EXPECT_EQ(c.per_try_timeout, milliseconds(300));
  EXPECT_TRUE(c.hedge_on_per_try_timeout);
  EXPECT_EQ(c.retriable_status_codes, "418,425");
  removeTimeoutHeaders(h);
  EXPECT_FALSE(h.has("x-envoy-upstream-rq-timeout-ms"));
  EXPECT_FALSE(h.has("x-envoy-upstream-rq-per-try-timeout-ms"));
  EXPECT_TRUE(h.has("x-envoy-retry-on"));
}

TEST(ControlHeadersTest, MalformedValuesIgnored) {
  http::HeaderMap h = get();
  h.add("x-envoy-max-retries", "lots");
  h.add("x-envoy-upstream-rq-timeout-ms", "-5");
  ControlHeaders c = parseControlHeaders(h);
  EXPECT_FALSE(c.max_retries.has_value());
  EXPECT_FALSE(c.timeout.has_value());
  EXPECT_FALSE(parseControlHeaders(get()).any);
}

TEST(RetryStateTest, NothingAskedNothingEnabled) {
  EXPECT_FALSE(state(nullptr, get()).enabled());
  route::RetryPolicy policy;  // retry_on empty
  EXPECT_FALSE(state(&policy, get()).enabled());
}

TEST(RetryStateTest, FiveXxAndGatewayError) {
  route::RetryPolicy p;
  p.retry_on = ro::k5xx;
  RetryState s = state(&p, get());
  EXPECT_TRUE(s.wouldRetryFromHeaders(response("500")));
  EXPECT_TRUE(s.wouldRetryFromHeaders(response("503")));
  EXPECT_FALSE(s.wouldRetryFromHeaders(response("404")));
  EXPECT_FALSE(s.wouldRetryFromHeaders(response("200")));
  // 5xx covers resets, connect failures and timeouts too.
  EXPECT_TRUE(s.wouldRetryFromFailure(AttemptFailure::kReset, true));
  EXPECT_TRUE(s.wouldRetryFromFailure(AttemptFailure::kConnectFailure, false));
  EXPECT_TRUE(s.wouldRetryFromFailure(AttemptFailure::kPerTryTimeout, true));
  EXPECT_FALSE(s.wouldRetryFromFailure(AttemptFailure::kOverflow, false));

  p.retry_on = ro::kGatewayError;
  RetryState g = state(&p, get());
  EXPECT_FALSE(g.wouldRetryFromHeaders(response("500")));
  EXPECT_TRUE(g.wouldRetryFromHeaders(response("502")));
  EXPECT_TRUE(g.wouldRetryFromHeaders(response("504")));
}

TEST(RetryStateTest, OverloadedIsNeverRetriedRateLimitedOnlyWhenAsked) {
  route::RetryPolicy p;
  p.retry_on = ro::k5xx;
  RetryState s = state(&p, get());
  http::HeaderMap overloaded = response("503");
  overloaded.add("x-envoy-overloaded", "true");
  EXPECT_FALSE(s.wouldRetryFromHeaders(overloaded));
  http::HeaderMap limited = response("503");
  limited.add("x-envoy-ratelimited", "true");
  EXPECT_FALSE(s.wouldRetryFromHeaders(limited));
  p.retry_on = ro::kEnvoyRateLimited;
  EXPECT_TRUE(state(&p, get()).wouldRetryFromHeaders(limited));
}

TEST(RetryStateTest, ResetConditions) {
  route::RetryPolicy p;
  p.retry_on = ro::kConnectFailure;
  RetryState cf = state(&p, get());
  EXPECT_TRUE(cf.wouldRetryFromFailure(AttemptFailure::kConnectFailure, false));
  EXPECT_FALSE(cf.wouldRetryFromFailure(AttemptFailure::kReset, true));
  EXPECT_FALSE(cf.wouldRetryFromHeaders(response("503")));

  p.retry_on = ro::kResetBeforeRequest;
  RetryState rbr = state(&p, get());
  EXPECT_TRUE(rbr.wouldRetryFromFailure(AttemptFailure::kReset, /*request_started=*/false));
  EXPECT_FALSE(rbr.wouldRetryFromFailure(AttemptFailure::kReset, /*request_started=*/true));

  p.retry_on = ro::kRefusedStream;
  RetryState rs = state(&p, get());
  EXPECT_TRUE(rs.wouldRetryFromFailure(AttemptFailure::kRefusedStream, true));
  EXPECT_FALSE(rs.wouldRetryFromFailure(AttemptFailure::kReset, true));

  p.retry_on = ro::kReset;
  EXPECT_TRUE(state(&p, get()).wouldRetryFromFailure(AttemptFailure::kReset, true));
}

TEST(RetryStateTest, Retriable4xxStatusCodesAndHeaders) {
  route::RetryPolicy p;
  p.retry_on = ro::kRetriable4xx;
  EXPECT_TRUE(state(&p, get()).wouldRetryFromHeaders(response("409")));
  EXPECT_FALSE(state(&p, get()).wouldRetryFromHeaders(response("429")));

  p.retry_on = ro::kRetriableStatusCodes;
  p.retriable_status_codes = {429};
  http::HeaderMap req = get();
  req.add("x-envoy-retriable-status-codes", "418, 425");
  RetryState codes = state(&p, req);
  EXPECT_TRUE(codes.wouldRetryFromHeaders(response("429")));
  EXPECT_TRUE(codes.wouldRetryFromHeaders(response("425")));
  EXPECT_FALSE(codes.wouldRetryFromHeaders(response("503")));

  p.retry_on = ro::kRetriableHeaders;
  p.retriable_headers.emplace_back("x-upstream-retry", matcher::HeaderMatcher::Present{true},
                                   false, false);
  http::HeaderMap req2 = get();
  req2.add("x-envoy-retriable-header-names", "X-Other");
  RetryState hdrs = state(&p, req2);
  http::HeaderMap tagged = response("200");
  tagged.add("x-upstream-retry", "1");
  EXPECT_TRUE(hdrs.wouldRetryFromHeaders(tagged));
  http::HeaderMap other = response("200");
  other.add("x-other", "y");
  EXPECT_TRUE(hdrs.wouldRetryFromHeaders(other));
  EXPECT_FALSE(hdrs.wouldRetryFromHeaders(response("500")));
}

TEST(RetryStateTest, GrpcStatuses) {
  route::RetryPolicy p;
  p.retry_on = ro::kGrpcUnavailable | ro::kGrpcResourceExhausted;
  RetryState s = state(&p, get());
  auto grpc = [](std::string_view code) {
    http::HeaderMap h = response("200");
    h.add("content-type", "application/grpc");
    h.add("grpc-status", code);
    return h;
  };
  EXPECT_TRUE(s.wouldRetryFromHeaders(grpc("14")));
  EXPECT_TRUE(s.wouldRetryFromHeaders(grpc("8")));
  EXPECT_FALSE(s.wouldRetryFromHeaders(grpc("13")));
  EXPECT_FALSE(s.wouldRetryFromHeaders(grpc("0")));
  EXPECT_EQ(grpcRetryBit(grpc("1")), ro::kGrpcCancelled);
  EXPECT_EQ(grpcRetryBit(grpc("4")), ro::kGrpcDeadlineExceeded);
  EXPECT_EQ(grpcRetryBit(grpc("13")), ro::kGrpcInternal);
  EXPECT_EQ(grpcRetryBit(response("200")), 0u);
}

TEST(RetryStateTest, HeadersAddToThePolicyAndSetTheCount) {
  route::RetryPolicy p;
  p.retry_on = ro::kConnectFailure;
  p.num_retries = 2;
  http::HeaderMap req = get();
  req.add("x-envoy-retry-on", "5xx");
  req.add("x-envoy-max-retries", "5");
  RetryState s = state(&p, req);
  EXPECT_EQ(s.retryOn(), ro::kConnectFailure | ro::k5xx);
  EXPECT_EQ(s.remaining(), 5u);
  // Headers alone, without a route policy: Envoy's default of one retry.
  http::HeaderMap only = get();
  only.add("x-envoy-retry-on", "gateway-error");
  RetryState h = state(nullptr, only);
  EXPECT_TRUE(h.enabled());
  EXPECT_EQ(h.remaining(), 1u);
  EXPECT_TRUE(h.wouldRetryFromHeaders(response("503")));
}

TEST(RetryStateTest, CountsDown) {
  route::RetryPolicy p;
  p.retry_on = ro::k5xx;
  p.num_retries = 2;
  RetryState s = state(&p, get());
  EXPECT_TRUE(s.consume());
  EXPECT_TRUE(s.consume());
  EXPECT_FALSE(s.consume());
  EXPECT_EQ(s.remaining(), 0u);
}

TEST(RetryStateTest, RetriableRequestHeadersGateEverything) {
  route::RetryPolicy p;
  p.retry_on = ro::k5xx;
  p.retriable_request_headers.emplace_back(":method", matcher::HeaderMatcher::Present{true},
                                           false, false);
  EXPECT_TRUE(state(&p, get()).enabled());
  route::RetryPolicy q = std::move(p);
  q.retriable_request_headers.clear();
  q.retriable_request_headers.emplace_back("x-idempotent", matcher::HeaderMatcher::Present{true},
                                           false, false);
  http::HeaderMap req = get();
  req.add("x-envoy-retry-on", "reset");
  EXPECT_FALSE(state(&q, req).enabled());
}

TEST(BackOffTest, JitteredExponentialWithinBounds) {
  JitteredExponentialBackOff b(25, 250);
  // The draw is random % interval: with random = interval - 1 we see each ceiling.
  EXPECT_EQ(b.nextMs(24), 24u);
  EXPECT_EQ(b.nextMs(49), 49u);
  EXPECT_EQ(b.nextMs(99), 99u);
  EXPECT_EQ(b.nextMs(199), 199u);
  EXPECT_EQ(b.nextMs(1000), 1000u % 250u);  // capped at max from here on
  EXPECT_EQ(b.nextMs(249), 249u);
  JitteredExponentialBackOff c(25, 250);
  for (int i = 0; i < 20; ++i) EXPECT_LT(c.nextMs(0xdeadbeefcafeULL * (i + 1)), 250u);
}

TEST(BackOffTest, LowerBound) {
  EXPECT_EQ(jitteredLowerBoundMs(1000, 0), 1000u);
  EXPECT_EQ(jitteredLowerBoundMs(1000, 499), 1499u);
  EXPECT_EQ(jitteredLowerBoundMs(1000, 500), 1000u);
  EXPECT_EQ(jitteredLowerBoundMs(1, 7), 1u);
}

TEST(RetryStateTest, RateLimitedBackOffFromResetHeaders) {
  route::RetryPolicy p;
  p.retry_on = ro::kRetriableStatusCodes;
  p.retriable_status_codes = {429};
  p.reset_headers = {{"retry-after", false}, {"x-ratelimit-reset", true}};
  p.rate_limited_max_interval = milliseconds(10000);
  RetryState s = state(&p, get());
  const int64_t now = 1'700'000'000;
  http::HeaderMap r = response("429");
  r.add("retry-after", "2");
  bool limited = false;
  auto wait = s.backOff(&r, 0, now, &limited);
  EXPECT_TRUE(limited);
  EXPECT_EQ(wait, milliseconds(2000));
  EXPECT_EQ(s.backOff(&r, 999, now, &limited), milliseconds(2999));
  // Too long for max_interval: that header is skipped, the next one used.
  http::HeaderMap r2 = response("429");
  r2.add("retry-after", "60");
  r2.add("x-ratelimit-reset", std::to_string(now + 3));
  EXPECT_EQ(s.rateLimitedInterval(r2, now), milliseconds(3000));
  // Nothing usable: the exponential back-off.
  http::HeaderMap r3 = response("429");
  r3.add("retry-after", "soon");
  auto fallback = s.backOff(&r3, 7, now, &limited);
  EXPECT_FALSE(limited);
  EXPECT_LT(fallback, milliseconds(25));
}

}  // namespace
}  // namespace meshproxy::filters::router
