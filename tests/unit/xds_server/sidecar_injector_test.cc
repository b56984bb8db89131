// `mesh-control inject` on sample manifests: the output must equal the reviewed golden file
// (tests/data/inject/*.golden.yaml), injecting twice changes nothing, and what Kubernetes
// needs as strings stays a string.
#include "xds/server/sidecar_injector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/binaries.h"
#include "xds/server/yaml_writer.h"

namespace meshproxy::xds_server {
namespace {

using ::testing::HasSubstr;

std::string readData(const std::string& name) {
  std::ifstream in(testing::sourcePath("tests/data/inject/" + name));
  EXPECT_TRUE(in) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class GoldenInjectTest : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenInjectTest, OutputMatchesGoldenAndInjectingTwiceChangesNothing) {
  const std::string name = GetParam();
  const std::string golden = readData(name + ".golden.yaml");
  auto injected = injectSidecars(readData(name + ".yaml"), InjectOptions{});
  ASSERT_TRUE(injected.ok()) << injected.status();
  EXPECT_EQ(*injected, golden) << "regenerate with: build/bin/mesh-control inject -f "
                                  "tests/data/inject/"
                               << name << ".yaml -o tests/data/inject/" << name
                               << ".golden.yaml, and review the diff";
  auto twice = injectSidecars(golden, InjectOptions{});
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(*twice, golden);
}

INSTANTIATE_TEST_SUITE_P(Samples, GoldenInjectTest,
                         ::testing::Values("deployment", "pod-overrides", "cronjob-and-list",
                                           "skipped"));

YAML::Node containerNamed(const YAML::Node& list, const std::string& name) {
  for (const auto& c : list) {
    if (c["name"].as<std::string>() == name) return c;
  }
  ADD_FAILURE() << "no container " << name;
  return YAML::Node();
}

std::vector<std::string> strings(const YAML::Node& seq) {
  std::vector<std::string> out;
  for (const auto& item : seq) out.push_back(item.as<std::string>());
  return out;
}

TEST(SidecarInjectorTest, DeploymentGetsCaptureInitFirstAndTheProxyAsUid1337) {
  auto injected = injectSidecars(readData("deployment.yaml"), InjectOptions{});
  ASSERT_TRUE(injected.ok());
  std::vector<YAML::Node> docs = YAML::LoadAll(*injected);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_FALSE(docs[0]["spec"]["containers"]) << "the Service passes through";
  YAML::Node pod = docs[1]["spec"]["template"];
  YAML::Node inits = pod["spec"]["initContainers"];
  ASSERT_EQ(inits.size(), 2u);
  EXPECT_EQ(inits[0]["name"].as<std::string>(), "meshproxy-init");
  EXPECT_EQ(inits[1]["name"].as<std::string>(), "migrate");
  EXPECT_THAT(strings(inits[0]["securityContext"]["capabilities"]["add"]),
              ::testing::ElementsAre("NET_ADMIN", "NET_RAW"));
  YAML::Node proxy = containerNamed(pod["spec"]["containers"], "meshproxy");
  EXPECT_EQ(proxy["securityContext"]["runAsUser"].as<int>(), 1337);
  EXPECT_EQ(proxy["readinessProbe"]["httpGet"]["port"].as<int>(), 15021);
  std::vector<std::string> args = strings(proxy["args"]);
  EXPECT_THAT(args, ::testing::Contains("APP_PORTS=8080,9090")) << "UDP ports are not captured";
  EXPECT_THAT(args, ::testing::Contains("SERVICE_ACCOUNT=$(SERVICE_ACCOUNT)"));
  EXPECT_THAT(args, ::testing::Contains("reviews.$(POD_NAMESPACE)"));
  EXPECT_EQ(pod["metadata"]["annotations"]["prometheus.io/port"].as<std::string>(), "15090");
}

TEST(SidecarInjectorTest, NumericLookingStringsStayQuoted) {
  auto injected = injectSidecars(readData("deployment.yaml"), InjectOptions{});
  ASSERT_TRUE(injected.ok());
  // Kubernetes rejects a number where args, env values and annotations want strings.
  EXPECT_THAT(*injected, HasSubstr("- \"15001\"\n"));
  EXPECT_THAT(*injected, HasSubstr("value: \"8080\"\n"));
  EXPECT_THAT(*injected, HasSubstr("value: \"true\"\n"));
  EXPECT_THAT(*injected, HasSubstr("prometheus.io/scrape: \"true\"\n"));
  EXPECT_THAT(*injected, HasSubstr("- \"5432\"\n")) << "an input string stays a string";
}

TEST(SidecarInjectorTest, AnnotationsOverrideTheCaptureAndAnExistingScrapeSettingIsKept) {
  auto injected = injectSidecars(readData("pod-overrides.yaml"), InjectOptions{});
  ASSERT_TRUE(injected.ok());
  YAML::Node pod = YAML::Load(*injected);
  std::vector<std::string> args = strings(pod["spec"]["initContainers"][0]["args"]);
  EXPECT_THAT(args, ::testing::IsSupersetOf({"-d", "9901", "-x", "-o", "5432"}));
  EXPECT_THAT(args, ::testing::Contains("10.96.0.1/32,169.254.169.254/32"));
  EXPECT_EQ(pod["metadata"]["annotations"]["prometheus.io/scrape"].as<std::string>(), "false");
  EXPECT_FALSE(pod["metadata"]["annotations"]["prometheus.io/port"]);
}

TEST(SidecarInjectorTest, OptionsChooseImageAndUid) {
  InjectOptions options;
  options.image = "registry.example/meshproxy:1.2";
  options.proxy_uid = 2000;
  auto injected = injectSidecars(readData("pod-overrides.yaml"), options);
  ASSERT_TRUE(injected.ok());
  YAML::Node pod = YAML::Load(*injected);
  YAML::Node proxy = containerNamed(pod["spec"]["containers"], "meshproxy");
  EXPECT_EQ(proxy["image"].as<std::string>(), "registry.example/meshproxy:1.2");
  EXPECT_EQ(proxy["securityContext"]["runAsUser"].as<int>(), 2000);
  EXPECT_THAT(strings(pod["spec"]["initContainers"][0]["args"]),
              ::testing::IsSupersetOf({"-u", "2000", "-g"}));
}

TEST(SidecarInjectorTest, ErrorsNameTheDocumentAndTheProblem) {
  auto bad_ports = injectSidecars(
      "kind: ConfigMap\n---\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n"
      "    traffic.meshproxy.io/excludeInboundPorts: \"80,http\"\n"
      "spec:\n  containers: [{name: a}]\n",
      InjectOptions{});
  ASSERT_FALSE(bad_ports.ok());
  EXPECT_THAT(bad_ports.status().message(), HasSubstr("document 2 (Pod p)"));
  EXPECT_THAT(bad_ports.status().message(),
              HasSubstr("'80,http' is not a comma-separated list of ports"));

  auto port_range = injectSidecars(
      "kind: Pod\nmetadata:\n  annotations:\n    traffic.meshproxy.io/excludeOutboundPorts: "
      "\"70000\"\nspec:\n  containers: [{name: a}]\n",
      InjectOptions{});
  EXPECT_FALSE(port_range.ok());

  auto no_containers = injectSidecars(
      "kind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec: {}\n", InjectOptions{});
  ASSERT_FALSE(no_containers.ok());
  EXPECT_THAT(no_containers.status().message(), HasSubstr("pod template has no containers"));

  auto bad_yaml = injectSidecars("kind: Pod\nspec: [\n", InjectOptions{});
  ASSERT_FALSE(bad_yaml.ok());
  EXPECT_THAT(bad_yaml.status().message(), HasSubstr("YAML"));
}

TEST(YamlWriterTest, ScalarsReadBackAsTheSameStrings) {
  const std::vector<std::string> values = {
      "8080",     "1.5",         "true",       "yes",        "No",
      "null",     "~",           "",           "-c",         "-",
      "a: b",     "a #b",        "#x",         "*",          "0x1F",
      "1e3",      "line\nbreak", "say \"hi\"", "plain text", "$(POD_NAME).$(NS)",
      "trailing:"};
  YAML::Node map(YAML::NodeType::Map);
  for (size_t i = 0; i < values.size(); ++i) map["k" + std::to_string(i)] = yamlString(values[i]);
  YAML::Node back = YAML::Load(writeYaml(map));
  for (size_t i = 0; i < values.size(); ++i) {
    YAML::Node v = back["k" + std::to_string(i)];
    ASSERT_TRUE(v.IsScalar()) << values[i];
    EXPECT_EQ(v.as<std::string>(), values[i]);
    // A plain scalar that YAML would resolve to a non-string must have come back quoted.
    bool quoted = v.Tag() == "!";
    if (values[i] == "8080" || values[i] == "true" || values[i] == "null" || values[i].empty()) {
      EXPECT_TRUE(quoted) << values[i];
    }
  }
}

TEST(YamlWriterTest, NestedCollectionsKeepTheirShape) {
  YAML::Node doc =
      YAML::Load("a: {b: [1, {c: d, e: [x, y]}, []], f: {}}\nlist: [[1, 2], [3]]\nempty: ''\n");
  YAML::Node back = YAML::Load(writeYaml(doc));
  EXPECT_EQ(back["a"]["b"][0].as<int>(), 1);
  EXPECT_EQ(back["a"]["b"][1]["c"].as<std::string>(), "d");
  EXPECT_EQ(back["a"]["b"][1]["e"][1].as<std::string>(), "y");
  EXPECT_EQ(back["a"]["b"][2].size(), 0u);
  EXPECT_TRUE(back["a"]["f"].IsMap());
  EXPECT_EQ(back["list"][0][1].as<int>(), 2);
  EXPECT_EQ(back["list"][1][0].as<int>(), 3);
  EXPECT_EQ(back["empty"].as<std::string>(), "");
}

}  // namespace
}  // namespace meshproxy::xds_server
