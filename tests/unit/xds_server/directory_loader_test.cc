// Loading a resource directory: scopes, overrides, and all-or-nothing errors.
#include "xds/server/directory_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"
#include "tests/support/temp_dir.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

using meshproxy::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string cluster(std::string_view name, std::string_view timeout = "1s") {
  return absl::StrCat("- {'@type': type.googleapis.com/envoy.config.cluster.v3.Cluster, name: ",
                      toAbsl(name), ", connect_timeout: ", toAbsl(timeout), "}\n");
}

envoy::config::core::v3::Node node(std::string id) {
  envoy::config::core::v3::Node n;
  n.set_id(std::move(id));
  return n;
}

std::vector<std::string> names(const ResourceMap& resources) {
  std::vector<std::string> out;
  for (const auto& [name, r] : resources) out.push_back(name);
  return out;
}

TEST(DirectoryLoaderTest, AllGoesToEveryNodeAndNodesOverride) {
  TempDir dir;
  dir.writeFile("all/clusters.yaml", cluster("a") + cluster("b"));
  dir.writeFile("nodes/n1/override.yaml", cluster("b", "9s") + cluster("only-n1"));
  auto load = loadResourceDirectory(dir.path());
  ASSERT_TRUE(load.errors.empty()) << load.errors[0].file << ": " << load.errors[0].message;
  ASSERT_NE(load.resources, nullptr);
  EXPECT_EQ(load.files, 2u);
  EXPECT_EQ(load.resources->size(), 4u);

  auto for_n1 = load.resources->resources(node("n1"), kClusterType);
  EXPECT_THAT(names(for_n1), ElementsAre("a", "b", "only-n1"));
  EXPECT_EQ(for_n1.at("b")->source, dir.filePath("nodes/n1/override.yaml"));
  auto for_n2 = load.resources->resources(node("n2"), kClusterType);
  EXPECT_THAT(names(for_n2), ElementsAre("a", "b"));
  EXPECT_EQ(for_n2.at("b")->source, dir.filePath("all/clusters.yaml"));
  EXPECT_NE(for_n1.at("b")->content_hash, for_n2.at("b")->content_hash);
  EXPECT_TRUE(load.resources->resources(node("n2"), kListenerType).empty());
}

TEST(DirectoryLoaderTest, MeshFileIsLoadedAndABadOneIsAnErrorNamingIt) {
  TempDir dir;
  dir.writeFile("mesh.yaml", "mtls: PERMISSIVE\nservices: [{name: a, ports: [{port: 80}]}]\n");
  auto load = loadResourceDirectory(dir.path());
  ASSERT_TRUE(load.errors.empty()) << load.errors[0].message;
  EXPECT_TRUE(load.warnings.empty()) << load.warnings[0];
  ASSERT_NE(load.mesh, nullptr);
  EXPECT_EQ(load.mesh->mtls, MtlsMode::kPermissive);
  ASSERT_EQ(load.mesh->services.size(), 1u);

  dir.writeFile("mesh.yaml", "services: [{name: a, ports: [{port: 0}]}]\n");
  auto bad = loadResourceDirectory(dir.path());
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].file, dir.filePath("mesh.yaml"));
  EXPECT_THAT(bad.errors[0].message, HasSubstr("services[0].ports[0].port"));
  EXPECT_EQ(bad.resources, nullptr) << "all or nothing";
}

TEST(DirectoryLoaderTest, MissingScopesAreEmptyNotErrors) {
  TempDir dir;
  auto load = loadResourceDirectory(dir.path());
  EXPECT_TRUE(load.errors.empty());
  ASSERT_NE(load.resources, nullptr);
  EXPECT_EQ(load.resources->size(), 0u);
}

TEST(DirectoryLoaderTest, MissingDirectoryIsAnError) {
  TempDir dir;
  auto load = loadResourceDirectory(dir.filePath("nope"));
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.resources, nullptr);
}

TEST(DirectoryLoaderTest, AnInvalidFileMeansNoResourceSetAndNamesFileAndReason) {
  TempDir dir;
  dir.writeFile("all/good.yaml", cluster("a"));
  dir.writeFile("all/bad.yaml",
                "{'@type': type.googleapis.com/envoy.config.cluster.v3.Cluster, name: x, nope: 1}");
  dir.writeFile("nodes/n1/broken.yaml", "a: [1, 2\n");
  auto load = loadResourceDirectory(dir.path());
  EXPECT_EQ(load.resources, nullptr);
  ASSERT_EQ(load.errors.size(), 2u);
  EXPECT_EQ(load.errors[0].file, dir.filePath("all/bad.yaml"));
  EXPECT_THAT(load.errors[0].message, HasSubstr("nope"));
  EXPECT_EQ(load.errors[1].file, dir.filePath("nodes/n1/broken.yaml"));
}

TEST(DirectoryLoaderTest, DuplicateNamesInOneScopeAreAnError) {
  TempDir dir;
  dir.writeFile("all/one.yaml", cluster("a"));
  dir.writeFile("all/two.yaml", cluster("a"));
  auto load = loadResourceDirectory(dir.path());
  EXPECT_EQ(load.resources, nullptr);
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].file, dir.filePath("all/two.yaml"));
  EXPECT_THAT(load.errors[0].message, HasSubstr("duplicate"));
  EXPECT_THAT(load.errors[0].message, HasSubstr(dir.filePath("all/one.yaml")));
}

TEST(DirectoryLoaderTest, SameNameOfDifferentTypesIsFine) {
  TempDir dir;
  dir.writeFile(
      "all/x.yaml",
      cluster("svc") +
          "- {'@type': type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment, "
          "cluster_name: svc}\n");
  auto load = loadResourceDirectory(dir.path());
  ASSERT_TRUE(load.errors.empty());
  EXPECT_EQ(load.resources->size(), 2u);
}

TEST(DirectoryLoaderTest, SkipsHiddenWarnsAboutMisplacedFiles) {
  TempDir dir;
  dir.writeFile("all/.hidden.yaml", "not: [valid");
  dir.writeFile("all/README.md", "notes");
  dir.writeFile("all/sub/x.yaml", cluster("deep"));
  dir.writeFile("top.yaml", cluster("top"));
  dir.writeFile("all/ok.yaml", cluster("a"));
  auto load = loadResourceDirectory(dir.path());
  ASSERT_TRUE(load.errors.empty());
  EXPECT_EQ(load.resources->size(), 1u);
  EXPECT_EQ(load.warnings.size(), 3u);
}

}  // namespace
}  // namespace meshproxy::xds_server
