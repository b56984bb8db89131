// `mesh-control inject` as a user runs it: file in, file or stdout out, exit codes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/time/time.h"
#include "tests/support/binaries.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

TEST(MeshControlInjectTest, FileToFileAndStdinToStdoutGiveTheGoldenOutput) {
  TempDir dir;
  const std::string golden = readFileText(sourcePath("tests/data/inject/deployment.golden.yaml"));
  ASSERT_FALSE(golden.empty());
  const std::string out = dir.path() + "/injected.yaml";
  auto to_file = runCommand({binPath("mesh-control"), "inject", "-f",
                             sourcePath("tests/data/inject/deployment.yaml"), "-o", out},
                            absl::Seconds(10));
  ASSERT_TRUE(to_file.ok()) << to_file.stderr_text;
  EXPECT_EQ(readFileText(out), golden);

  auto piped = runCommand({binPath("mesh-control"), "inject", "-f", "-"}, absl::Seconds(10),
                          readFileText(sourcePath("tests/data/inject/deployment.yaml")));
  ASSERT_TRUE(piped.ok()) << piped.stderr_text;
  EXPECT_EQ(piped.stdout_text, golden);
}

TEST(MeshControlInjectTest, BadInputAndBadUsageFailWithAReason) {
  auto missing = runCommand({binPath("mesh-control"), "inject", "-f", "/nonexistent/x.yaml"},
                            absl::Seconds(10));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.stderr_text, HasSubstr("cannot read /nonexistent/x.yaml"));

  auto bad = runCommand({binPath("mesh-control"), "inject", "-f", "-"}, absl::Seconds(10),
                        "kind: Pod\nspec: {}\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.stderr_text, HasSubstr("pod template has no containers"));
  EXPECT_TRUE(bad.stdout_text.empty()) << "nothing half-injected is printed";

  auto usage = runCommand({binPath("mesh-control"), "inject"}, absl::Seconds(10));
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_THAT(usage.stderr_text, HasSubstr("-f FILE is required"));
}

}  // namespace
}  // namespace meshproxy::testing
