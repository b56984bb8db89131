// mesh-control's CA flags: --ca-dir or --ca-cert/--ca-key, --trust-domain, --cert-ttl.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "xds/server/options.h"

namespace meshproxy::xds_server {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<Options> parse(std::vector<const char*> args) {
  std::vector<const char*> all = {"mesh-control", "--listen", "127.0.0.1:0", "--resources", "d"};
  all.insert(all.end(), args.begin(), args.end());
  return parseOptions(static_cast<int>(all.size()), all.data());
}

std::string error(std::vector<const char*> args) {
  return std::string(parse(args).status().message());
}

TEST(MeshControlCaOptionsTest, DefaultsWithoutTheCa) {
  auto o = parse({});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->caEnabled());
  EXPECT_EQ(o->trust_domain, "cluster.local");
  EXPECT_EQ(o->cert_ttl, std::chrono::hours(24));
}

TEST(MeshControlCaOptionsTest, CaDirTrustDomainAndTtl) {
  auto o = parse({"--ca-dir", "/var/lib/ca", "--trust-domain", "example.org", "--cert-ttl", "30m"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->caEnabled());
  EXPECT_EQ(o->ca_dir, "/var/lib/ca");
  EXPECT_EQ(o->trust_domain, "example.org");
  EXPECT_EQ(o->cert_ttl, std::chrono::minutes(30));
  EXPECT_EQ(parse({"--ca-dir", "x", "--cert-ttl=2s"})->cert_ttl, std::chrono::seconds(2));
  EXPECT_EQ(parse({"--ca-dir", "x", "--cert-ttl", "24h"})->cert_ttl, std::chrono::hours(24));
}

TEST(MeshControlCaOptionsTest, BringYourOwnCa) {
  auto o = parse({"--ca-cert", "c.pem", "--ca-key", "k.pem"});
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_TRUE(o->caEnabled());
  EXPECT_THAT(error({"--ca-cert", "c.pem"}), HasSubstr("go together"));
  EXPECT_THAT(error({"--ca-cert", "c.pem", "--ca-key", "k", "--ca-dir", "d"}),
              HasSubstr("not both"));
}

TEST(MeshControlCaOptionsTest, Errors) {
  EXPECT_THAT(error({"--cert-ttl", "1s"}), HasSubstr("at least 2s"));
  EXPECT_THAT(error({"--cert-ttl", "soon"}), HasSubstr("--cert-ttl 'soon'"));
  EXPECT_THAT(error({"--trust-domain", "a/b"}), HasSubstr("--trust-domain"));
}

}  // namespace
}  // namespace meshproxy::xds_server
