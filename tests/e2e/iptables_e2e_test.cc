// deploy/meshproxy-iptables inside a namespace the test creates: what it installs, that
// installing twice changes nothing, and that --cleanup leaves the nat table exactly as it
// found it (other rules included), with both iptables backends and for IPv6.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/e2e/netns.h"
#include "tests/support/binaries.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class IptablesScriptTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (std::string why = netnsUnavailableReason(); !why.empty()) GTEST_SKIP() << why;
    backend_ = GetParam();
    if (!runCommand({"sh", "-c", "command -v " + backend_}, absl::Seconds(5)).ok()) {
      GTEST_SKIP() << backend_ << " is not installed";
    }
    ns_ = absl::StrCat("mp", getpid() % 100000, "-ipt");
    ASSERT_TRUE(runCommand({"ip", "netns", "add", ns_}, absl::Seconds(10)).ok());
    created_ = true;
  }
  void TearDown() override {
    if (created_) runCommand({"ip", "netns", "del", ns_}, absl::Seconds(10));
  }

  // The nat table without counters and comments, so two dumps compare by content.
  std::string natTable(const std::string& save) {
    auto r = runCommand(inNs(ns_, {save, "-t", "nat"}), absl::Seconds(10));
    EXPECT_TRUE(r.ok()) << r.stderr_text;
    std::string out;
    std::istringstream lines(r.stdout_text);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      out += std::regex_replace(line, std::regex(R"(\[\d+:\d+\])"), "[0:0]") + "\n";
    }
    return out;
  }
  std::string save4() {
    return backend_ == "iptables-legacy" ? "iptables-legacy-save" : "iptables-nft-save";
  }
  std::string save6() {
    return backend_ == "iptables-legacy" ? "ip6tables-legacy-save" : "ip6tables-nft-save";
  }

  CommandResult script(std::vector<std::string> args) {
    std::vector<std::string> argv = {sourcePath("deploy/meshproxy-iptables"), "--iptables",
                                     backend_};
    argv.insert(argv.end(), args.begin(), args.end());
    return runCommand(inNs(ns_, argv), absl::Seconds(30));
  }

  std::string backend_;
  std::string ns_;
  bool created_ = false;
};

TEST_P(IptablesScriptTest, DryRunPrintsTheRulesAndChangesNothing) {
  std::string before = natTable(save4());
  auto r = script({"--dry-run", "-d", "9090"});
  ASSERT_TRUE(r.ok()) << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("MESH_OUTPUT"));
  EXPECT_THAT(r.stdout_text, HasSubstr("--uid-owner 1337"));
  EXPECT_THAT(r.stdout_text, HasSubstr("15001"));
  EXPECT_THAT(r.stdout_text, HasSubstr("15006"));
  EXPECT_THAT(r.stdout_text, HasSubstr("9090"));
  EXPECT_EQ(natTable(save4()), before);
}

TEST_P(IptablesScriptTest, InstallIsIdempotentAndCleanupRestoresTheTableExactly) {
  // A rule of someone else's that must survive both install and cleanup.
  ASSERT_TRUE(runCommand(inNs(ns_, {backend_, "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "--dport",
                                    "7777", "-j", "RETURN"}),
                         absl::Seconds(10))
                  .ok());
  const std::string before4 = natTable(save4());
  const std::string before6 = natTable(save6());

  auto first = script({"-d", "9090", "-o", "5432", "-x", "10.96.0.1/32"});
  ASSERT_TRUE(first.ok()) << first.stderr_text;
  const std::string installed = natTable(save4());
  for (const char* chain : {"MESH_INBOUND", "MESH_IN_REDIRECT", "MESH_OUTPUT", "MESH_REDIRECT"}) {
    EXPECT_THAT(installed, HasSubstr(absl::StrCat(":", chain, " "))) << chain;
  }
  EXPECT_THAT(installed, HasSubstr("--to-ports 15001"));
  EXPECT_THAT(installed, HasSubstr("--to-ports 15006"));
  EXPECT_THAT(installed, HasSubstr("--uid-owner 1337"));
  EXPECT_THAT(installed, HasSubstr("--dport 7777 -j RETURN"));

  auto second = script({"-d", "9090", "-o", "5432", "-x", "10.96.0.1/32"});
  ASSERT_TRUE(second.ok()) << second.stderr_text;
  EXPECT_EQ(natTable(save4()), installed) << "installing twice must not duplicate rules";

  auto cleanup = script({"--cleanup"});
  ASSERT_TRUE(cleanup.ok()) << cleanup.stderr_text;
  EXPECT_EQ(natTable(save4()), before4);
  EXPECT_EQ(natTable(save6()), before6);
  auto again = script({"--cleanup"});
  EXPECT_TRUE(again.ok()) << again.stderr_text;
  EXPECT_EQ(natTable(save4()), before4);
}

INSTANTIATE_TEST_SUITE_P(Backends, IptablesScriptTest,
                         ::testing::Values("iptables-nft", "iptables-legacy"),
                         [](const auto& info) {
                           return info.param == "iptables-nft" ? std::string("Nft")
                                                               : std::string("Legacy");
                         });

}  // namespace
}  // namespace meshproxy::testing
