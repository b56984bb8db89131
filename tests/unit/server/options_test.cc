#include "proxy/server/options.h"

#include <gtest/gtest.h>

namespace meshproxy::server {
namespace {

absl::StatusOr<Options> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "meshproxy");
  return parseOptions(static_cast<int>(args.size()), args.data());
}

TEST(OptionsTest, ParsesEveryOption) {
  auto o = parse({"-c", "b.yaml", "--concurrency", "3", "--log-level", "debug", "--log-format=json",
                  "--admin-address", "127.0.0.1:9901", "--service-node", "n", "--service-cluster",
                  "c", "--drain-time-s", "7"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->config_path, "b.yaml");
  EXPECT_EQ(o->concurrency, 3u);
  EXPECT_EQ(o->log_level, "debug");
  EXPECT_EQ(o->log_format, "json");
  EXPECT_EQ(*o->admin_address, "127.0.0.1:9901");
  EXPECT_EQ(*o->service_node, "n");
  EXPECT_EQ(*o->service_cluster, "c");
  EXPECT_EQ(o->drain_time_s, 7u);
}

TEST(OptionsTest, NodeMetadataPairs) {
  auto o = parse({"-c", "b.yaml", "--node-metadata", "NAMESPACE=default", "--node-metadata=SERVICE_ACCOUNT=web"});
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->node_metadata.size(), 2u);
  EXPECT_EQ(o->node_metadata[0].first, "NAMESPACE");
  EXPECT_EQ(o->node_metadata[1].second, "web");
  EXPECT_FALSE(parse({"-c", "b.yaml", "--node-metadata", "novalue"}).ok());
}

TEST(OptionsTest, DefaultsConcurrencyToCores) {
  auto o = parse({"-c", "b.yaml"});
  ASSERT_TRUE(o.ok());
  EXPECT_GE(o->concurrency, 1u);
}

TEST(OptionsTest, ErrorsAreClear) {
  EXPECT_EQ(parse({}).status().message(), "-c <config file> is required");
  EXPECT_EQ(parse({"-c", "x", "--bogus"}).status().message(), "unknown option '--bogus' (see --help)");
  EXPECT_EQ(parse({"-c", "x", "--concurrency", "many"}).status().message(),
            "--concurrency: 'many' is not a number");
  EXPECT_FALSE(parse({"-c", "x", "--log-format", "xml"}).ok());
  EXPECT_FALSE(parse({"-c"}).ok());
}

TEST(OptionsTest, HelpAndVersionNeedNoConfig) {
  EXPECT_TRUE(parse({"--help"})->help);
  EXPECT_TRUE(parse({"--version"})->version);
}

}  // namespace
}  // namespace meshproxy::server
