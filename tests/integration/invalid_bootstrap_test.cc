// An invalid bootstrap ends the process with exit code 1 and one message on stderr, never with
// a signal: whatever the file holds, and whatever is still running (a DNS lookup on libuv's
// thread pool) when the error is found.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tests/support/binaries.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  int exit_code = 0;
  std::string stderr_text;
};

// Runs meshproxy on the file and checks the contract; returns what it saw for more checks.
Outcome expectRejected(const std::string& path, const std::string& expected_message) {
  CommandResult r =
      runCommand({binPath("meshproxy"), "-c", path, "--concurrency", "2", "--log-level", "info"},
                 absl::Seconds(20));
  EXPECT_FALSE(r.timed_out) << path << ": still running after 20 s";
  EXPECT_EQ(r.exit_code, 1) << path << (r.exit_code < 0 ? " died of a signal" : "")
                            << "\n--- stderr ---\n"
                            << r.stderr_text.substr(0, 4096);
  // One message: exactly one critical line, and it says what is wrong.
  std::vector<std::string> critical;
  for (absl::string_view line : absl::StrSplit(r.stderr_text, '\n')) {
    if (absl::StrContains(line, "[critical]")) critical.emplace_back(line);
  }
  EXPECT_EQ(critical.size(), 1u) << path << "\n--- stderr ---\n" << r.stderr_text.substr(0, 4096);
  EXPECT_THAT(r.stderr_text, HasSubstr(expected_message)) << path;
  return {r.exit_code, r.stderr_text};
}

// A static HTTP/2 cluster for ADS (endpoints as given) and a STRICT_DNS cluster whose name
// cannot resolve, so its lookup is on libuv's thread pool when the ADS check fails.
std::string dnsBootstrap(const std::string& ads_config, const std::string& xds_endpoints,
                         const std::string& extra = "") {
  return absl::StrCat(R"(node: { id: n1, cluster: c1 }
)",
                      extra, R"(dynamic_resources:
  ads_config:
)",
                      ads_config, R"(  cds_config: { ads: {}, resource_api_version: V3 }
  lds_config: { ads: {}, resource_api_version: V3 }
static_resources:
  clusters:
  - name: xds
    type: STATIC
    connect_timeout: 1s
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: { http2_protocol_options: {} }
    load_assignment:
      cluster_name: xds
)",
                      xds_endpoints, R"(  - name: web
    type: STRICT_DNS
    connect_timeout: 1s
    load_assignment:
      cluster_name: web
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: no-such-host.invalid, port_value: 80 } } }
        - endpoint: { address: { socket_address: { address: nor-this-one.invalid, port_value: 80 } } }
)");
}

constexpr char kXdsEndpoint[] = R"(      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 1 } } }
)";
constexpr char kGoodAds[] = R"(    api_type: GRPC
    transport_api_version: V3
    grpc_services: [{ envoy_grpc: { cluster_name: xds } }]
)";

// The SIGSEGV in exit() -> uv_library_shutdown happened every time; 10 runs each make a
// timing-dependent variant visible too.
constexpr int kDnsRuns = 10;

TEST(InvalidBootstrapTest, RejectedAtTheAdsCheckWhileDnsLookupsRunExitsOne) {
  TempDir dir;
  struct Case {
    std::string name;
    std::string yaml;
    std::string message;
  };
  std::vector<Case> cases = {
      {"delta.yaml",
       dnsBootstrap(absl::StrReplaceAll(kGoodAds, {{"GRPC", "DELTA_GRPC"}}), kXdsEndpoint),
       "api_type GRPC and transport_api_version V3 are required"},
      {"v2_transport.yaml",
       dnsBootstrap(absl::StrReplaceAll(kGoodAds, {{"transport_api_version: V3",
                                                    "transport_api_version: V2"}}),
                    kXdsEndpoint),
       "api_type GRPC and transport_api_version V3 are required"},
      {"no_endpoints.yaml", dnsBootstrap(kGoodAds, ""),
       "ads_config: cluster 'xds' has no endpoint"},
  };
  for (const Case& c : cases) {
    std::string path = dir.writeFile(c.name, c.yaml);
    for (int i = 0; i < kDnsRuns && !HasFailure(); ++i) {
      SCOPED_TRACE(absl::StrCat(c.name, " run ", i + 1));
      expectRejected(path, c.message);
    }
  }
}

TEST(InvalidBootstrapTest, AdminPortInUseWhileDnsLookupsRunExitsOne) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof(sa);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  const int busy = ntohs(sa.sin_port);
  TempDir dir;
  std::string admin = absl::StrCat(
      "admin: { address: { socket_address: { address: 127.0.0.1, port_value: ", busy, " } } }\n");
  std::string path = dir.writeFile("admin.yaml", dnsBootstrap(kGoodAds, kXdsEndpoint, admin));
  for (int i = 0; i < kDnsRuns && !HasFailure(); ++i) {
    SCOPED_TRACE(absl::StrCat("run ", i + 1));
    expectRejected(path, absl::StrCat("admin server on 127.0.0.1:", busy));
  }
  ::close(fd);
}

TEST(InvalidBootstrapTest, MalformedFilesExitOneWithAMessage) {
  TempDir dir;
  std::string garbage;
  uint32_t x = 2463534242u;  // xorshift: the same "random" bytes every run
  for (int i = 0; i < 4096; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    garbage.push_back(static_cast<char>(x));
  }
  std::string laughs = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i <= 12; ++i) {
    laughs += absl::StrCat("a", i, ": &a", i, " [");
    for (int j = 0; j < 9; ++j) laughs += absl::StrCat(j == 0 ? "" : ", ", "*a", i - 1);
    laughs += "]\n";
  }
  laughs += "node: { id: *a12 }\n";
  std::string deep_block;
  for (int i = 0; i < 300; ++i) deep_block += std::string(i, ' ') + "a:\n";
  struct Case {
    std::string name;
    std::string content;
    std::string message;
  };
  std::vector<Case> cases = {
      {"empty.yaml", "", "the file is empty"},
      {"comments.yaml", "# only a comment\n", "the file is empty"},
      {"garbage.yaml", garbage, "garbage.yaml: YAML"},
      {"garbage.json", "{" + garbage, "bootstrap:"},
      {"truncated.yaml",
       "static_resources:\n  clusters:\n  - name: \"web\n    type: STRICT_DNS\n    connect_t",
       "YAML parse error at line"},
      {"truncated.json", R"({"static_resources": {"clusters": [{"name": "web", )", "bootstrap:"},
      {"laughs.yaml", laughs, "more than 1000000 nodes (aliases counted expanded)"},
      {"deep_flow.yaml", "node: " + std::string(10000, '[') + std::string(10000, ']') + "\n",
       "YAML nested deeper than 256 levels"},
      {"deep_map.yaml", "node: " + absl::StrJoin(std::vector<std::string>(10000, "{a: "), ""),
       "YAML nested deeper than 256 levels"},
      {"deep_block.yaml", deep_block, "YAML nested deeper than 256 levels"},
      {"deep.json",
       R"({"node": {"id": "x", "metadata": {"a": )" + std::string(10000, '[') +
           std::string(10000, ']') + "}}}",
       "deep.json: JSON nested deeper than 256 levels"},
      {"scalar.yaml", "just a string\n", "the top level must be a YAML mapping"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    expectRejected(dir.writeFile(c.name, c.content), c.message);
  }
  expectRejected(dir.filePath("missing.yaml"), "cannot open config file");
  expectRejected(dir.path(), dir.path());  // a directory
}

TEST(InvalidBootstrapTest, HugeInputsAreRefusedWithoutBeingRead) {
  TempDir dir;
  // 100 MB of valid YAML (a comment) and a 3 GiB sparse file: both past the 64 MiB cap.
  for (auto [name, size] : {std::pair<const char*, off_t>{"big.yaml", 100'000'000},
                            std::pair<const char*, off_t>{"sparse.yaml", off_t{3} << 30}}) {
    std::string path = dir.filePath(name);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, "node: { id: x }\n#", 17), 17);
    ASSERT_EQ(::ftruncate(fd, size), 0);
    ::close(fd);
    SCOPED_TRACE(name);
    expectRejected(path, absl::StrCat("config file ", path, " is larger than the 64 MiB limit"));
  }
  // A device with no end: the read has to stop by itself.
  expectRejected("/dev/zero", "config file /dev/zero is larger than the 64 MiB limit");
}

}  // namespace
}  // namespace meshproxy::testing
