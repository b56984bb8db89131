#include "proxy/accesslog/start_time_format.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace meshproxy::accesslog {
namespace {

using std::chrono::nanoseconds;
using std::chrono::system_clock;

// 2024-01-02T03:04:05.123456789Z
const system_clock::time_point kTime{
    std::chrono::duration_cast<system_clock::duration>(nanoseconds(1704164645123456789LL))};

std::string render(std::string_view format, system_clock::time_point time = kTime) {
  absl::StatusOr<StartTimeFormat> compiled = StartTimeFormat::create(format);
  EXPECT_TRUE(compiled.ok()) << compiled.status();
  std::string out;
  if (compiled.ok()) compiled->append(time, out);
  return out;
}

TEST(StartTimeFormatTest, DefaultIsEnvoysMillisecondUtc) {
  EXPECT_EQ(render(""), "2024-01-02T03:04:05.123Z");
  EXPECT_EQ(render(StartTimeFormat::kDefault), "2024-01-02T03:04:05.123Z");
}

TEST(StartTimeFormatTest, StrftimeSpecifiersInUtc) {
  EXPECT_EQ(render("%Y/%m/%d %H:%M:%S"), "2024/01/02 03:04:05");
  EXPECT_EQ(render("%d %b %Y %z"), "02 Jan 2024 +0000");
}

TEST(StartTimeFormatTest, FractionalSeconds) {
  // system_clock may only keep microseconds; compare the digits it can hold.
  const std::string nine = render("%f");
  ASSERT_EQ(nine.size(), 9u);
  EXPECT_EQ(nine.substr(0, 6), "123456");
  EXPECT_EQ(render("%3f"), "123");
  EXPECT_EQ(render("%6f"), "123456");
  EXPECT_EQ(render("%1f"), "1");
  EXPECT_EQ(render("%S.%3f"), "05.123");
  EXPECT_EQ(render("%E6S"), "05.123456");
}

TEST(StartTimeFormatTest, EpochSeconds) { EXPECT_EQ(render("%s"), "1704164645"); }

TEST(StartTimeFormatTest, PercentLiteral) { EXPECT_EQ(render("100%% at %H"), "100% at 03"); }

TEST(StartTimeFormatTest, PadsSmallFractions) {
  const system_clock::time_point time{
      std::chrono::duration_cast<system_clock::duration>(nanoseconds(1704164645007000000LL))};
  EXPECT_EQ(render("%3f", time), "007");
  EXPECT_EQ(render("", time), "2024-01-02T03:04:05.007Z");
}

TEST(StartTimeFormatTest, RejectsNewlineAndHugeFormats) {
  EXPECT_FALSE(StartTimeFormat::create("%Y\n").ok());
  EXPECT_FALSE(StartTimeFormat::create(std::string(200, 'x')).ok());
}

}  // namespace
}  // namespace meshproxy::accesslog
