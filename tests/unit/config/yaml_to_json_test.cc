#include "proxy/config/yaml_to_json.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "absl/status/status.h"

namespace meshproxy::config {
namespace {

std::string toJson(std::string_view yaml) {
  absl::StatusOr<std::string> json = yamlToJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status();
  return json.ok() ? *json : "";
}

TEST(YamlToJsonTest, TypesPlainScalarsLikeEnvoy) {
  EXPECT_EQ(toJson("a: true\nb: false\nc: True\nd: null\ne: ~\nf:\n"),
            R"({"a":true,"b":false,"c":true,"d":null,"e":null,"f":null})");
  EXPECT_EQ(toJson("a: 42\nb: -7\nc: +3\nd: 007\ne: 0\n"), R"({"a":42,"b":-7,"c":3,"d":7,"e":0})");
  // A leading 0 is octal and 0x hex, as Envoy reads YAML (yaml-cpp): a pipe's `mode: 0600` is
  // rw------- (384), not 600; "09" has no octal reading and stays decimal.
  EXPECT_EQ(toJson("mode: 0600\nb: -010\nc: 0x1F\nd: 09\ne: 0.5\nf: 00\n"),
            R"({"mode":384,"b":-8,"c":31,"d":9,"e":0.5,"f":0})");
  EXPECT_EQ(toJson("a: 0x\nb: 0xG\nc: 0x10000000000000000\n"),
            R"({"a":"0x","b":"0xG","c":"0x10000000000000000"})");
  EXPECT_EQ(toJson("a: 1.5\nb: .5\nc: 1e3\nd: -2.5E-3\ne: 5.\nf: -.25\n"),
            R"({"a":1.5,"b":0.5,"c":1e3,"d":-2.5E-3,"e":5,"f":-0.25})");
  // Big integers keep every digit; protobuf's parser decides the field type.
  EXPECT_EQ(toJson("a: 18446744073709551615\n"), R"({"a":18446744073709551615})");
}

TEST(YamlToJsonTest, EverythingElseStaysAString) {
  EXPECT_EQ(toJson("timeout: 5s\nhex: 0x1g\ninf: .inf\nyes: yes\nver: 1.2.3\nname: web\n"),
            R"({"timeout":"5s","hex":"0x1g","inf":".inf","yes":"yes","ver":"1.2.3",)"
            R"("name":"web"})");
}

TEST(YamlToJsonTest, QuotedScalarsStayStrings) {
  EXPECT_EQ(toJson("a: '42'\nb: \"true\"\nc: 'null'\nd: \"1.5\"\ne: ''\nf: !!str 7\n"),
            R"({"a":"42","b":"true","c":"null","d":"1.5","e":"","f":"7"})");
}

TEST(YamlToJsonTest, KeysAreAlwaysStrings) {
  EXPECT_EQ(toJson("1: a\ntrue: b\n~: c\n"), R"({"1":"a","true":"b","null":"c"})");
}

TEST(YamlToJsonTest, NestingAndSequences) {
  constexpr char kYaml[] = R"(
static_resources:
  listeners:
  - name: l1
    address: {socket_address: {address: 0.0.0.0, port_value: 15001}}
  - name: l2
    ports: [1, 2, "3"]
  empty_list: []
  empty_map: {}
)";
  EXPECT_EQ(toJson(kYaml),
            R"({"static_resources":{"listeners":[{"name":"l1","address":{"socket_address":)"
            R"({"address":"0.0.0.0","port_value":15001}}},{"name":"l2","ports":[1,2,"3"]}],)"
            R"("empty_list":[],"empty_map":{}}})");
  EXPECT_EQ(toJson("- 1\n- [a, b]\n-\n"), R"([1,["a","b"],null])");
  EXPECT_EQ(toJson("just a string"), R"("just a string")");
  EXPECT_EQ(toJson(""), "null");
}

TEST(YamlToJsonTest, EscapesStrings) {
  EXPECT_EQ(toJson(R"(a: "quote\" back\\ nl\n tab\t bell\a nul\0 del\x7f")"),
            R"({"a":"quote\" back\\ nl\n tab\t bell\u0007 nul\u0000 del)"
            "\x7f"
            R"("})");
  EXPECT_EQ(toJson("a: \"h\\u00e9llo \xe2\x82\xac\"\n"), "{\"a\":\"h\xc3\xa9llo \xe2\x82\xac\"}");
  EXPECT_EQ(toJson("\"k\\\"ey\": 'it''s'\n"), R"({"k\"ey":"it's"})");
  EXPECT_EQ(toJson("a: |\n  line1\n  line2\n"), R"({"a":"line1\nline2\n"})");
}

TEST(YamlToJsonTest, AnchorsAliasesAndMergeKeys) {
  constexpr char kYaml[] = R"(
base: &base {connect_timeout: 1s, lb_policy: ROUND_ROBIN}
ports: &ports [80, 443]
a: *ports
merged:
  <<: *base
  lb_policy: RANDOM
multi:
  <<: [{x: 1}, {x: 2, y: 2}]
)";
  EXPECT_EQ(toJson(kYaml),
            R"({"base":{"connect_timeout":"1s","lb_policy":"ROUND_ROBIN"},"ports":[80,443],)"
            R"("a":[80,443],"merged":{"lb_policy":"RANDOM","connect_timeout":"1s"},)"
            R"("multi":{"x":1,"y":2}})");
  // A quoted '<<' is an ordinary key.
  EXPECT_EQ(toJson("'<<': 1\n"), R"({"<<":1})");
}

TEST(YamlToJsonTest, ParseErrorCarriesLineAndColumn) {
  absl::StatusOr<std::string> json = yamlToJson("a: 1\nb: [1, 2\nc: 3\n");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(json.status().message().find("line "), std::string::npos) << json.status();
  EXPECT_NE(json.status().message().find("column "), std::string::npos) << json.status();

  json = yamlToJson("a: 1\n  b: 2\n");
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.status().message().find("line 2"), std::string::npos) << json.status();
}

TEST(YamlToJsonTest, RejectsMultiDocAndDuplicatesAndCycles) {
  EXPECT_EQ(yamlToJson("a: 1\n---\nb: 2\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(yamlToJson("---\na: 1\n").ok());
  absl::StatusOr<std::string> dup = yamlToJson("a: 1\nb: 2\na: 3\n");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("duplicate YAML key 'a' at line 3"), std::string::npos)
      << dup.status();
  // yaml-cpp builds a cyclic graph from a self-referencing anchor; the depth bound stops it.
  EXPECT_EQ(yamlToJson("&a [*a]").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(yamlToJson("a: *nope\n").status().code(), absl::StatusCode::kInvalidArgument);
}

// Found by bootstrap_fuzz: Debian's yaml-cpp 0.7 cannot place a stray ',' outside brackets and
// hands back the same empty document forever (yaml-cpp issue 1040); YAML::LoadAll collected
// them until memory ran out (15 GB in a minute for `-c` on a one-byte file).
TEST(YamlToJsonTest, AStrayCommaIsAnErrorNotAnEndlessStreamOfDocuments) {
  for (const char* yaml : {",", ",\na: 1\n", "[a, b]\n,\n", ",{\"a\" {\"c\":1}}"}) {
    absl::StatusOr<std::string> json = yamlToJson(yaml);
    ASSERT_FALSE(json.ok()) << yaml;
    EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(json.status().message().find("line "), std::string::npos) << json.status();
  }
  // Empty documents that do end stay what they were.
  EXPECT_EQ(*yamlToJson(""), "null");
  EXPECT_EQ(*yamlToJson("~\n"), "null");
  EXPECT_FALSE(yamlToJson("a: 1\n---\n").ok());
}

TEST(YamlToJsonTest, BoundsAliasExpansion) {
  std::string yaml = "l0: &l0 [\"" + std::string(1000, 'x') + "\"]\n";
  for (int i = 1; i <= 20; ++i) {
    yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [*l" + std::to_string(i - 1) +
            ", *l" + std::to_string(i - 1) + "]\n";
  }
  EXPECT_EQ(yamlToJson(yaml).status().code(), absl::StatusCode::kInvalidArgument);
}

// The classic "billion laughs": 9^11 strings from a few hundred bytes. It must be refused from
// the parser's events (no node graph, no JSON built), so quickly and in little memory.
TEST(YamlToJsonTest, BillionLaughsIsRefusedBeforeAnythingIsBuilt) {
  std::string yaml = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 11; ++i) {
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) yaml += (j == 0 ? "*a" : ", *a") + std::to_string(i - 1);
    yaml += "]\n";
  }
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::string> json = yamlToJson(yaml);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.status().message().find("more than 1000000 nodes (aliases counted expanded)"),
            std::string::npos)
      << json.status();
  EXPECT_LT(elapsed, std::chrono::milliseconds(200));
}

TEST(YamlToJsonTest, TooManyPlainNodesAreRefused) {
  std::string yaml = "a:\n";
  for (int i = 0; i < 1000001; ++i) yaml += "- 1\n";
  absl::StatusOr<std::string> json = yamlToJson(yaml);
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.status().message().find("write a config this large as JSON"), std::string::npos)
      << json.status();
}

TEST(YamlToJsonTest, DeepNestingIsAClearErrorWhateverTheStyle) {
  const std::string flow = "a: " + std::string(10000, '[') + std::string(10000, ']');
  std::string block;
  for (int i = 0; i < 300; ++i) block += std::string(i, ' ') + "a:\n";
  std::string flow_map = "a: ";
  for (int i = 0; i < 10000; ++i) flow_map += "{a: ";
  for (const std::string& yaml : {flow, block, flow_map}) {
    absl::StatusOr<std::string> json = yamlToJson(yaml);
    ASSERT_FALSE(json.ok());
    EXPECT_NE(json.status().message().find("YAML nested deeper than 256 levels at line"),
              std::string::npos)
        << json.status();
  }
  EXPECT_TRUE(yamlToJson(std::string(250, '[') + std::string(250, ']')).ok());
}

TEST(YamlToJsonTest, AnAliasInsideItsOwnAnchorIsACycle) {
  absl::StatusOr<std::string> json = yamlToJson("a: &x {b: *x}\n");
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.status().message().find("YAML alias refers to a node that contains it"),
            std::string::npos)
      << json.status();
  // An anchor reused after it is complete is no cycle, and redefining a name is allowed.
  EXPECT_EQ(toJson("a: &x [1]\nb: [*x, *x]\nc: &x 2\nd: *x\n"),
            R"({"a":[1],"b":[[1],[1]],"c":2,"d":2})");
}

TEST(YamlToJsonTest, JsonParsesIntoProtobufStruct) {
  constexpr char kYaml[] = R"(
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: 15000}}
node: {id: "sidecar~10.0.0.1", cluster: web}
layered_runtime:
  layers:
  - name: static
    static_layer: {overload.global_downstream_max_connections: 50000, enabled: true}
)";
  absl::StatusOr<std::string> json = yamlToJson(kYaml);
  ASSERT_TRUE(json.ok()) << json.status();
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*json, &parsed).ok()) << *json;
  const auto& admin = parsed.fields().at("admin").struct_value();
  const auto& socket = admin.fields().at("address").struct_value().fields().at("socket_address");
  EXPECT_EQ(socket.struct_value().fields().at("address").string_value(), "127.0.0.1");
  EXPECT_EQ(socket.struct_value().fields().at("port_value").number_value(), 15000);
  EXPECT_EQ(parsed.fields().at("node").struct_value().fields().at("id").string_value(),
            "sidecar~10.0.0.1");
  const auto& layer =
      parsed.fields().at("layered_runtime").struct_value().fields().at("layers").list_value();
  ASSERT_EQ(layer.values_size(), 1);
  const auto& static_layer = layer.values(0).struct_value().fields().at("static_layer");
  EXPECT_TRUE(static_layer.struct_value().fields().at("enabled").bool_value());
}

class LoadConfigFileTest : public ::testing::Test {
 protected:
  std::string writeFile(const std::string& suffix, const std::string& content) {
    std::string path = ::testing::TempDir() + "meshproxy_yaml_to_json_" +
                       std::to_string(::getpid()) + "_" + std::to_string(counter_++) + suffix;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const std::string& p : paths_) std::remove(p.c_str());
  }

 private:
  int counter_ = 0;
  std::vector<std::string> paths_;
};

TEST_F(LoadConfigFileTest, ConvertsYamlAndPassesJsonThrough) {
  EXPECT_EQ(*loadConfigFileAsJson(writeFile(".yaml", "a: 1\n")), R"({"a":1})");
  // JSON is passed through byte for byte, whichever way it is recognised.
  EXPECT_EQ(*loadConfigFileAsJson(writeFile(".json", "[1, 2]")), "[1, 2]");
  EXPECT_EQ(*loadConfigFileAsJson(writeFile(".conf", "  \n{\"a\": 1}")), "  \n{\"a\": 1}");
  EXPECT_EQ(*loadConfigFileAsJson(writeFile(".yaml", "\xEF\xBB\xBFx: y\n")), R"({"x":"y"})");
}

TEST_F(LoadConfigFileTest, RefusesFilesPastTheCapWithTheirName) {
  absl::StatusOr<std::string> zero = loadConfigFileAsJson("/dev/zero");
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.status().message().find("config file /dev/zero is larger than the 64 MiB limit"),
            std::string::npos)
      << zero.status();
}

TEST_F(LoadConfigFileTest, DeepJsonIsRefusedBeforeProtobufSeesIt) {
  const std::string deep = R"({"node": {"metadata": {"a": )" + std::string(10000, '[') +
                           std::string(10000, ']') + "}}}";
  absl::StatusOr<std::string> json = loadConfigFileAsJson(writeFile(".json", deep));
  ASSERT_FALSE(json.ok());
  EXPECT_NE(json.status().message().find("JSON nested deeper than 256 levels (at byte 281)"),
            std::string::npos)
      << json.status();
  // Brackets inside strings are text, and an escaped quote does not end a string.
  const std::string text = R"({"a": ")" + std::string(1000, '[') + R"("{{{{", "b": [[1]]})";
  EXPECT_EQ(*loadConfigFileAsJson(writeFile(".json", text)), text);
}

TEST_F(LoadConfigFileTest, ReportsErrors) {
  EXPECT_EQ(loadConfigFileAsJson("/nonexistent/meshproxy.yaml").status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<std::string> bad = loadConfigFileAsJson(writeFile(".yaml", "a: [\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find(".yaml: YAML parse error at line"), std::string::npos)
      << bad.status();
}

}  // namespace
}  // namespace meshproxy::config
