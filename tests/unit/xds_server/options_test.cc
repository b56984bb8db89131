// mesh-control's command line.
#include "xds/server/options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace meshproxy::xds_server {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Options> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "mesh-control");
  return parseOptions(static_cast<int>(args.size()), args.data());
}

TEST(MeshControlOptionsTest, Serve) {
  auto o = parse({"--listen", "127.0.0.1:15010", "--resources=/etc/mesh", "--admin", "[::1]:0",
                  "--log-level", "debug"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->command, Options::Command::kServe);
  EXPECT_EQ(o->listen, "127.0.0.1:15010");
  EXPECT_EQ(o->resources_dir, "/etc/mesh");
  EXPECT_EQ(o->admin, "[::1]:0");
  EXPECT_EQ(o->log_level, "debug");
}

TEST(MeshControlOptionsTest, StatusTakesOnlyAdmin) {
  auto o = parse({"status"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->command, Options::Command::kStatus);
  EXPECT_EQ(o->admin, kDefaultAdminAddress);
  EXPECT_EQ(parse({"status", "--admin", "127.0.0.1:9"})->admin, "127.0.0.1:9");
  EXPECT_THAT(std::string(parse({"status", "--listen", "127.0.0.1:1"}).status().message()),
              HasSubstr("only --admin"));
}

TEST(MeshControlOptionsTest, Errors) {
  EXPECT_THAT(std::string(parse({"--resources", "d"}).status().message()), HasSubstr("--listen"));
  EXPECT_THAT(std::string(parse({"--listen", "127.0.0.1:1"}).status().message()),
              HasSubstr("--resources"));
  EXPECT_THAT(std::string(parse({"--listen", "nohost", "--resources", "d"}).status().message()),
              HasSubstr("--listen"));
  EXPECT_THAT(std::string(parse({"--bogus"}).status().message()), HasSubstr("unknown option"));
  EXPECT_THAT(std::string(parse({"--listen"}).status().message()), HasSubstr("needs a value"));
  EXPECT_EQ(parse({"--help"})->command, Options::Command::kHelp);
}

}  // namespace
}  // namespace meshproxy::xds_server
