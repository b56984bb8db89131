// deploy/examples/mesh/ as the demo runs it: mesh-control serving the example directory, a
// client and a server sidecar from the example bootstraps, two versions of `reviews`; then the
// canary weight is changed by editing the route file. The example's fixed ports are swapped
// for free ones, so the test runs beside a running demo and other tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/mesh_control_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

namespace fs = std::filesystem;

class MeshExampleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(v1_.ready());
    ASSERT_TRUE(v2_.ready());
    // Every port the example names, by its role.
    replacements_ = {
        {"port_value: 10080 }", absl::StrCat("port_value: ", outbound_port_, " }")},
        {"port_value: 10081 }", absl::StrCat("port_value: ", v1_.port(), " }")},
        {"port_value: 10082 }", absl::StrCat("port_value: ", v2_.port(), " }")},
        {"port_value: 10181 }", absl::StrCat("port_value: ", pickFreePort(), " }")},
        {"port_value: 10182 }", absl::StrCat("port_value: ", pickFreePort(), " }")},
        {"port_value: 15010 }", absl::StrCat("port_value: ", grpc_port_, " }")},
    };
    const fs::path example = sourcePath("deploy/examples/mesh");
    for (const auto& entry : fs::recursive_directory_iterator(example)) {
      if (!entry.is_regular_file()) continue;
      std::string rel = fs::relative(entry.path(), example).string();
      if (rel.starts_with("all/") || rel.starts_with("nodes/")) {
        dir_.writeFile("mesh/" + rel, exampleFile(rel));
      }
    }
    // With its CA, as the demo runs it: the sidecar-to-sidecar hop is mTLS over SDS secrets.
    control_ = std::make_unique<MeshControlProcess>(
        dir_.filePath("mesh"), MeshControlOptions{.grpc_port = grpc_port_,
                                                  .extra_args = {"--ca-dir", dir_.filePath("ca")}});
    ASSERT_TRUE(control_->ready());
    server_ = std::make_unique<MeshproxyProcess>(exampleFile("bootstrap-server.yaml"),
                                                 MeshproxyOptions{.concurrency = 1});
    client_ = std::make_unique<MeshproxyProcess>(exampleFile("bootstrap-client.yaml"),
                                                 MeshproxyOptions{.concurrency = 1});
    ASSERT_TRUE(server_->ready());
    ASSERT_TRUE(client_->ready());
  }

  // A file of the example with its ports replaced; the test fails if it does not exist.
  std::string exampleFile(const std::string& rel) {
    std::string text = readFileText(sourcePath("deploy/examples/mesh/" + rel));
    EXPECT_FALSE(text.empty()) << rel;
    return absl::StrReplaceAll(text, replacements_);
  }

  // Requests through the client sidecar; returns the number served by reviews-v1 and fails
  // the test for any request not served by either version through the server sidecar.
  int servedByV1(int n) {
    int v1 = 0;
    for (int i = 0; i < n; ++i) {
      auto r = httpGet("127.0.0.1", outbound_port_, "/reviews", absl::Seconds(5));
      std::string server = jsonField(r.body, "server");
      EXPECT_EQ(r.status, 200) << r.error;
      EXPECT_EQ(r.header("x-inbound"), "server-sidecar/" + server) << r.body;
      if (server == "reviews-v1") ++v1;
      if (::testing::Test::HasFailure()) break;
    }
    return v1;
  }

  TestServerProcess v1_{{.mode = "http", .name = "reviews-v1"}};
  TestServerProcess v2_{{.mode = "http", .name = "reviews-v2"}};
  int outbound_port_ = pickFreePort();
  int grpc_port_ = pickFreePort();
  std::vector<std::pair<std::string, std::string>> replacements_;
  TempDir dir_;
  std::unique_ptr<MeshControlProcess> control_;
  std::unique_ptr<MeshproxyProcess> server_;
  std::unique_ptr<MeshproxyProcess> client_;
};

TEST_F(MeshExampleTest, CanaryThroughBothSidecarsFollowsAnEditedWeight) {
  ASSERT_TRUE(waitUntil(
      [&] {
        return httpGet("127.0.0.1", outbound_port_, "/reviews", absl::Seconds(1)).status == 200;
      },
      absl::Seconds(10)))
      << control_->nodesText();
  EXPECT_TRUE(control_->nodeConnected("client-sidecar"));
  EXPECT_TRUE(control_->nodeConnected("server-sidecar"));

  int before = servedByV1(1000);
  std::printf("example canary 90/10: reviews-v1 served %d of 1000\n", before);
  EXPECT_GE(before, 850);
  EXPECT_LE(before, 950);

  auto updates = client_->counterValue("control_plane.rds.update_success");
  ASSERT_TRUE(updates.has_value());
  std::string routes = dir_.filePath("mesh/all/reviews-routes.yaml");
  std::string edited = absl::StrReplaceAll(
      readFileText(routes), {{"weight: 90 }", "weight: 50 }"}, {"weight: 10 }", "weight: 50 }"}});
  ASSERT_NE(edited, readFileText(routes));
  std::string tmp = dir_.writeFile("reviews-routes.yaml.new", edited);
  ASSERT_EQ(std::rename(tmp.c_str(), routes.c_str()), 0);
  ASSERT_TRUE(client_->waitForCounterAtLeast("control_plane.rds.update_success", *updates + 1,
                                             absl::Seconds(10)));

  int after = servedByV1(1000);
  std::printf("example canary 50/50: reviews-v1 served %d of 1000\n", after);
  EXPECT_GE(after, 400);
  EXPECT_LE(after, 600);
}

}  // namespace
}  // namespace meshproxy::testing
