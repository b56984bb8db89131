// Versions change exactly when the content sent changes.
#include "xds/server/resource_version.h"

#include <gtest/gtest.h>

#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

ResourcePtr resource(std::string name, std::string hash, std::string source = "a.yaml") {
  auto r = std::make_shared<Resource>();
  r->type_url = std::string(kClusterType);
  r->name = std::move(name);
  r->content_hash = std::move(hash);
  r->source = std::move(source);
  return r;
}

TEST(ResourceVersionTest, SameContentSameVersion) {
  ResourceMap a{{"x", resource("x", "h1")}, {"y", resource("y", "h2")}};
  ResourceMap b{{"y", resource("y", "h2", "other-file.yaml")}, {"x", resource("x", "h1")}};
  EXPECT_EQ(computeVersion(a), computeVersion(b));
  EXPECT_EQ(computeVersion(a).size(), 16u);
}

TEST(ResourceVersionTest, ChangesWithContentNamesOrMembership) {
  ResourceMap base{{"x", resource("x", "h1")}};
  ResourceMap changed{{"x", resource("x", "h9")}};
  ResourceMap renamed{{"z", resource("z", "h1")}};
  ResourceMap more{{"x", resource("x", "h1")}, {"y", resource("y", "h2")}};
  std::string v = computeVersion(base);
  EXPECT_NE(v, computeVersion(changed));
  EXPECT_NE(v, computeVersion(renamed));
  EXPECT_NE(v, computeVersion(more));
  EXPECT_NE(v, computeVersion(ResourceMap{}));
}

TEST(ResourceVersionTest, StableAcrossProcesses) {
  // A restarted control plane must compute the same version for the same content (a
  // reconnecting client then sees no change): the hash is SHA-256, not a seeded hash.
  EXPECT_EQ(computeVersion(ResourceMap{}), "e3b0c44298fc1c14");
}

}  // namespace
}  // namespace meshproxy::xds_server
