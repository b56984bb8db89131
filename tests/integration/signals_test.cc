// Signals an operator or a supervisor sends a running proxy: SIGHUP and SIGUSR2 are logged and
// ignored (as Envoy does), SIGUSR1 reopens the access log files (logrotate). None of them may
// end the process or reset a request in flight.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <future>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server_process.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

std::string accessLogConfig(const std::string& path) {
  return absl::StrCat(
      "          access_log:\n"
      "          - name: envoy.access_loggers.file\n"
      "            typed_config:\n"
      "              \"@type\": "
      "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog\n"
      "              path: ",
      path,
      "\n"
      "              log_format:\n"
      "                text_format_source: { inline_string: \"%REQ(:PATH)% %RESPONSE_CODE%\\n\" "
      "}\n");
}

class SignalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(upstream_.ready());
    log_path_ = dir_.filePath("access.log");
    proxy_ = std::make_unique<HttpProxy>(
        HttpBootstrap{.clusters = {{.name = "b", .ports = {upstream_.port()}}},
                      .hcm_extra = accessLogConfig(log_path_)},
        MeshproxyOptions{.concurrency = 2, .log_level = "info"});
    ASSERT_TRUE(proxy_->ready());
  }

  // Sends `sig` while a request is in flight (the upstream answers after 1.5 s) and checks
  // the request still gets its answer and the process lives on.
  void signalDuringARequest(int sig, const std::string& logged) {
    auto in_flight = std::async(std::launch::async, [this] {
      return proxy_->get("/slow?delay_ms=1500", {}, absl::Seconds(10));
    });
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE((*proxy_)->process().sendSignal(sig));
    EXPECT_TRUE(
        waitUntil([&] { return absl::StrContains((*proxy_)->process().stderrText(), logged); },
                  absl::Seconds(5)))
        << "no log line '" << logged << "'";
    HttpResponse r = in_flight.get();
    EXPECT_EQ(r.status, 200) << r.error;
    EXPECT_TRUE((*proxy_)->process().running());
    EXPECT_EQ(proxy_->get("/after").status, 200);
    EXPECT_EQ((*proxy_)->adminGet("/ready").status, 200);
  }

  TestServerProcess upstream_{{.mode = "http"}};
  TempDir dir_;
  std::string log_path_;
  std::unique_ptr<HttpProxy> proxy_;
};

TEST_F(SignalsTest, SighupIsLoggedAndIgnored) {
  signalDuringARequest(SIGHUP, "received SIGHUP: ignored");
}

TEST_F(SignalsTest, Sigusr2IsLoggedAndIgnored) {
  signalDuringARequest(SIGUSR2, "received SIGUSR2: ignored");
}

TEST_F(SignalsTest, Sigusr1ReopensAccessLogsForLogrotate) {
  ASSERT_EQ(proxy_->get("/before-rotation").status, 200);
  ASSERT_TRUE(
      waitUntil([&] { return absl::StrContains(readFileText(log_path_), "/before-rotation 200"); },
                absl::Seconds(5)));
  // What logrotate does: rename the file, then tell the process to reopen the original path.
  const std::string rotated = log_path_ + ".1";
  ASSERT_EQ(std::rename(log_path_.c_str(), rotated.c_str()), 0);
  signalDuringARequest(SIGUSR1, "received SIGUSR1: reopening access logs");
  ASSERT_EQ(proxy_->get("/after-rotation").status, 200);
  EXPECT_TRUE(
      waitUntil([&] { return absl::StrContains(readFileText(log_path_), "/after-rotation 200"); },
                absl::Seconds(5)))
      << "new file: " << readFileText(log_path_);
  std::string old_file = readFileText(rotated);
  EXPECT_THAT(old_file, HasSubstr("/before-rotation 200"));
  EXPECT_THAT(old_file, ::testing::Not(HasSubstr("/after-rotation")));
  // The request in flight across the reopen is logged once, in one of the two files.
  std::string both = old_file + readFileText(log_path_);
  EXPECT_THAT(both, HasSubstr("/slow?delay_ms=1500 200"));
}

}  // namespace
}  // namespace meshproxy::testing
