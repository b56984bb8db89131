#include "proxy/tracing/w3c_trace_context.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/tracing/fake_trace_headers.h"

namespace meshproxy::tracing {
namespace {

constexpr char kValid[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceparentTest, ParsesTheSpecExample) {
  auto c = parseTraceparent(kValid);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->trace_id, (TraceId{0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL}));
  EXPECT_EQ(c->span_id, 0x00f067aa0ba902b7ULL);
  EXPECT_EQ(c->sampled, true);
  EXPECT_TRUE(c->valid());
}

TEST(TraceparentTest, SampledIsTheLowBitOfTheFlags) {
  EXPECT_EQ(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")->sampled,
            false);
  // Unknown flag bits are ignored; only bit 0 decides.
  EXPECT_EQ(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02")->sampled,
            false);
  EXPECT_EQ(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff")->sampled,
            true);
  EXPECT_EQ(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09")->sampled,
            true);
}

TEST(TraceparentTest, InvalidValuesAreIgnored) {
  const char* invalid[] = {
      "",
      "00",
      // version ff is forbidden
      "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      // all-zero trace id / parent id
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      // upper-case hex
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01",
      "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A",
      // wrong lengths
      "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
      // version 00 admits nothing after the flags
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-010",
      // wrong separators, non-hex
      "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
      "00-4bf92f3577b34da6a3ce929d0e0e47.6-00f067aa0ba902b7-01",
      "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      // a future version must separate any extra field with '-'
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what",
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
  };
  for (const char* v : invalid) EXPECT_FALSE(parseTraceparent(v).has_value()) << v;
}

TEST(TraceparentTest, FutureVersionsParseAsVersion00) {
  auto c = parseTraceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->span_id, 0x00f067aa0ba902b7ULL);
  EXPECT_TRUE(
      parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").has_value());
}

TEST(TraceparentTest, SurroundingWhitespaceIsTolerated) {
  EXPECT_TRUE(parseTraceparent(std::string(" \t") + kValid + "\t ").has_value());
}

TEST(TraceparentTest, FormatRoundTrips) {
  TraceId id{0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL};
  EXPECT_EQ(formatTraceparent(id, 0x00f067aa0ba902b7ULL, true), kValid);
  EXPECT_EQ(formatTraceparent(id, 1, false),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000001-00");
  auto back = parseTraceparent(formatTraceparent(id, 77, false));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->trace_id, id);
  EXPECT_EQ(back->span_id, 77u);
  EXPECT_EQ(back->sampled, false);
}

TEST(TracestateTest, NormalizesValidLists) {
  EXPECT_EQ(normalizeTracestate(""), "");
  EXPECT_EQ(normalizeTracestate("congo=t61rcWkgMzE"), "congo=t61rcWkgMzE");
  EXPECT_EQ(normalizeTracestate(" rojo=00f067aa0ba902b7 ,, congo=t61rcWkgMzE\t"),
            "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_EQ(normalizeTracestate("fw529a3039@dt=ZmFzdG9yaw,a*b/c_d-e=1"),
            "fw529a3039@dt=ZmFzdG9yaw,a*b/c_d-e=1");
  EXPECT_EQ(normalizeTracestate("k=value with spaces"), "k=value with spaces");
}

TEST(TracestateTest, InvalidListsAreDiscardedWhole) {
  const char* invalid[] = {
      "nokey",                 // no '='
      "Upper=1",               // keys are lower case
      "1abc=1",                // a simple key starts with a letter
      "k=",                    // empty value
      "k=a,b",                 // ',' splits: "b" has no '='
      "k=v=w",                 // '=' in a value
      "k=a\x01b",              // control characters
      "a=1,a=2",               // duplicate key
      "t@=1",                  // empty system id
      "@s=1",                  // empty tenant id
      "t@sys0123456789abc=1",  // system id longer than 14
  };
  for (const char* v : invalid) EXPECT_FALSE(normalizeTracestate(v).has_value()) << v;

  std::string members;
  for (int i = 0; i < 32; ++i) members += "k" + std::to_string(i) + "=v,";
  EXPECT_TRUE(normalizeTracestate(members).has_value());
  members += "k32=v";
  EXPECT_FALSE(normalizeTracestate(members).has_value()) << "33 members";
  EXPECT_TRUE(normalizeTracestate(std::string("k=") + std::string(256, 'x')).has_value());
  EXPECT_FALSE(normalizeTracestate(std::string("k=") + std::string(257, 'x')).has_value());
  EXPECT_TRUE(normalizeTracestate(std::string(256, 'k') + "=1").has_value());
  EXPECT_FALSE(normalizeTracestate(std::string(257, 'k') + "=1").has_value());
}

TEST(ExtractW3CTest, ReadsTraceparentAndCombinesTracestateFields) {
  FakeTraceHeaders h{{"traceparent", kValid}, {"tracestate", "rojo=1"}, {"tracestate", "congo=2"}};
  auto c = extractW3C(h);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->tracestate, "rojo=1,congo=2");
}

TEST(ExtractW3CTest, RepeatedOrInvalidTraceparentIsIgnored) {
  FakeTraceHeaders repeated{{"traceparent", kValid}, {"traceparent", kValid}};
  EXPECT_FALSE(extractW3C(repeated).has_value());
  FakeTraceHeaders invalid{{"traceparent", "00-xyz"}, {"tracestate", "rojo=1"}};
  EXPECT_FALSE(extractW3C(invalid).has_value());
  FakeTraceHeaders none{{"tracestate", "rojo=1"}};
  EXPECT_FALSE(extractW3C(none).has_value());
}

TEST(ExtractW3CTest, InvalidTracestateIsDroppedButTheTraceContinues) {
  FakeTraceHeaders h{{"traceparent", kValid}, {"tracestate", "a=1,a=2"}};
  auto c = extractW3C(h);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->tracestate, "");
}

TEST(InjectW3CTest, WritesTheChildAndCarriesTracestate) {
  FakeTraceHeaders h{{"traceparent", kValid}, {"tracestate", "rojo=1"}};
  auto parent = extractW3C(h);
  ASSERT_TRUE(parent.has_value());
  injectW3C(h, parent->trace_id, 0x1122334455667788ULL, true, parent->tracestate);
  EXPECT_EQ(h.get("traceparent"), "00-4bf92f3577b34da6a3ce929d0e0e4736-1122334455667788-01");
  EXPECT_EQ(h.get("tracestate"), "rojo=1");
  EXPECT_EQ(h.count("traceparent"), 1u);
  injectW3C(h, parent->trace_id, 5, false, "");
  EXPECT_FALSE(h.get("tracestate").has_value());
}

}  // namespace
}  // namespace meshproxy::tracing
