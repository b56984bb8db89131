#include "proxy/tracing/b3.h"

#include <gtest/gtest.h>

#include "tests/unit/tracing/fake_trace_headers.h"

namespace meshproxy::tracing {
namespace {

constexpr char kTrace128[] = "80f198ee56343ba864fe8b2a57d3eff7";
constexpr char kTrace64[] = "a3ce929d0e0e4736";
constexpr char kSpan[] = "e457b5a2e4d86bd1";
constexpr char kParent[] = "05e3ac9a4f6e3b90";

TEST(B3SingleTest, AllFourFields) {
  auto c = parseB3Single(std::string(kTrace128) + "-" + kSpan + "-1-" + kParent);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->trace_id, (TraceId{0x80f198ee56343ba8ULL, 0x64fe8b2a57d3eff7ULL}));
  EXPECT_EQ(c->span_id, 0xe457b5a2e4d86bd1ULL);
  EXPECT_EQ(c->parent_span_id, 0x05e3ac9a4f6e3b90ULL);
  EXPECT_EQ(c->sampled, true);
  EXPECT_FALSE(c->debug);
}

TEST(B3SingleTest, OptionalFieldsAndSixtyFourBitIds) {
  auto two = parseB3Single(std::string(kTrace64) + "-" + kSpan);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->trace_id, (TraceId{0, 0xa3ce929d0e0e4736ULL}));
  EXPECT_FALSE(two->sampled.has_value()) << "no state: the callee decides";
  auto three = parseB3Single(std::string(kTrace64) + "-" + kSpan + "-0");
  ASSERT_TRUE(three.has_value());
  EXPECT_EQ(three->sampled, false);
  auto debug = parseB3Single(std::string(kTrace64) + "-" + kSpan + "-d");
  ASSERT_TRUE(debug.has_value());
  EXPECT_TRUE(debug->debug);
  EXPECT_EQ(debug->sampled, true);
}

TEST(B3SingleTest, SamplingStateAlone) {
  auto deny = parseB3Single("0");
  ASSERT_TRUE(deny.has_value());
  EXPECT_FALSE(deny->valid());
  EXPECT_EQ(deny->sampled, false);
  EXPECT_EQ(parseB3Single("1")->sampled, true);
  EXPECT_TRUE(parseB3Single("d")->debug);
}

TEST(B3SingleTest, MalformedValuesAreRejected) {
  const std::string t = kTrace64, s = kSpan;
  const std::string invalid[] = {
      "",
      "2",
      "true",
      "x",
      t,                                     // trace id alone
      t + "-" + s + "-2",                    // unknown state
      t + "-" + s + "-true",                 // only 0/1/d in the single header
      t + "-" + s + "-1-" + kParent + "-x",  // too many fields
      t + "-" + s + "-" + kParent,           // a parent needs the state before it
      "0000000000000000-" + s,               // zero trace id
      t + "-0000000000000000",               // zero span id
      t + "-" + s + "-1-0000000000000000",   // zero parent
      t.substr(1) + "-" + s,                 // 15 digits
      t + "0-" + s,                          // 17 digits
      "g3ce929d0e0e4736-" + s,               // not hex
      t + "-" + s + "-",                     // empty state
  };
  for (const auto& v : invalid) EXPECT_FALSE(parseB3Single(v).has_value()) << v;
}

TEST(B3SingleTest, UpperCaseHexIsRead) {
  EXPECT_TRUE(parseB3Single("A3CE929D0E0E4736-E457B5A2E4D86BD1").has_value());
}

TEST(B3SingleTest, FormatRoundTrips) {
  TraceId id{0x80f198ee56343ba8ULL, 0x64fe8b2a57d3eff7ULL};
  std::string v = formatB3Single(id, 0xe457b5a2e4d86bd1ULL, 0x05e3ac9a4f6e3b90ULL, true, false);
  EXPECT_EQ(v, std::string(kTrace128) + "-" + kSpan + "-1-" + kParent);
  auto back = parseB3Single(v);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->trace_id, id);
  EXPECT_EQ(formatB3Single(TraceId{0, 0xa3ce929d0e0e4736ULL}, 1, 0, false, true),
            "a3ce929d0e0e4736-0000000000000001-d");
}

TEST(ExtractB3Test, MultiHeaders) {
  FakeTraceHeaders h{{"x-b3-traceid", kTrace128},
                     {"x-b3-spanid", kSpan},
                     {"x-b3-parentspanid", kParent},
                     {"x-b3-sampled", "1"}};
  auto c = extractB3(h);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->valid());
  EXPECT_EQ(c->parent_span_id, 0x05e3ac9a4f6e3b90ULL);
  EXPECT_EQ(c->sampled, true);
}

TEST(ExtractB3Test, SampledSpellingsAndFlags) {
  auto sampled = [](const char* v) {
    FakeTraceHeaders h{{"x-b3-traceid", kTrace64}, {"x-b3-spanid", kSpan}, {"x-b3-sampled", v}};
    return extractB3(h)->sampled;
  };
  EXPECT_EQ(sampled("1"), true);
  EXPECT_EQ(sampled("true"), true);
  EXPECT_EQ(sampled("0"), false);
  EXPECT_EQ(sampled("false"), false);
  EXPECT_EQ(sampled("yes"), std::nullopt);
  FakeTraceHeaders debug{{"x-b3-traceid", kTrace64},
                         {"x-b3-spanid", kSpan},
                         {"x-b3-sampled", "0"},
                         {"x-b3-flags", "1"}};
  auto c = extractB3(debug);
  EXPECT_TRUE(c->debug);
  EXPECT_EQ(c->sampled, true) << "debug implies sampled";
}

TEST(ExtractB3Test, SamplingOnlyAndBrokenIds) {
  FakeTraceHeaders only{{"x-b3-sampled", "0"}};
  auto c = extractB3(only);
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->valid());
  EXPECT_EQ(c->sampled, false);

  FakeTraceHeaders no_span{{"x-b3-traceid", kTrace64}, {"x-b3-sampled", "1"}};
  EXPECT_FALSE(extractB3(no_span)->valid());
  FakeTraceHeaders bad_parent{
      {"x-b3-traceid", kTrace64}, {"x-b3-spanid", kSpan}, {"x-b3-parentspanid", "xyz"}};
  EXPECT_FALSE(extractB3(bad_parent)->valid());
  FakeTraceHeaders zero_trace{{"x-b3-traceid", "00000000000000000000000000000000"},
                              {"x-b3-spanid", kSpan}};
  EXPECT_FALSE(extractB3(zero_trace)->valid());
  FakeTraceHeaders none{{"traceparent", "x"}};
  EXPECT_FALSE(extractB3(none).has_value());
}

TEST(ExtractB3Test, SingleHeaderWins) {
  FakeTraceHeaders h{{"b3", std::string(kTrace64) + "-" + kSpan + "-0"},
                     {"x-b3-traceid", kTrace128},
                     {"x-b3-spanid", kParent},
                     {"x-b3-sampled", "1"}};
  auto c = extractB3(h);
  EXPECT_EQ(c->trace_id.high, 0u);
  EXPECT_EQ(c->sampled, false);
  FakeTraceHeaders broken{{"b3", "garbage"}, {"x-b3-traceid", kTrace64}, {"x-b3-spanid", kSpan}};
  EXPECT_FALSE(extractB3(broken).has_value());
}

TEST(InjectB3Test, WritesMultiHeadersKeepingTheIdWidth) {
  FakeTraceHeaders h{{"b3", "1"}, {"x-b3-flags", "1"}};
  injectB3(h, TraceId{0, 0xa3ce929d0e0e4736ULL}, 0x1111111111111111ULL, 0x2222222222222222ULL, true,
           false);
  EXPECT_FALSE(h.get("b3").has_value());
  EXPECT_FALSE(h.get("x-b3-flags").has_value());
  EXPECT_EQ(h.get("x-b3-traceid"), kTrace64);
  EXPECT_EQ(h.get("x-b3-spanid"), "1111111111111111");
  EXPECT_EQ(h.get("x-b3-parentspanid"), "2222222222222222");
  EXPECT_EQ(h.get("x-b3-sampled"), "1");
  injectB3(h, TraceId{0x80f198ee56343ba8ULL, 0x64fe8b2a57d3eff7ULL}, 3, 0, false, true);
  EXPECT_EQ(h.get("x-b3-traceid"), kTrace128);
  EXPECT_FALSE(h.get("x-b3-parentspanid").has_value());
  EXPECT_EQ(h.get("x-b3-sampled"), "1");
  EXPECT_EQ(h.get("x-b3-flags"), "1");
  // What one hop writes, the next reads back.
  auto c = extractB3(h);
  EXPECT_EQ(c->span_id, 3u);
  EXPECT_TRUE(c->debug);
}

}  // namespace
}  // namespace meshproxy::tracing
