#include "tests/support/test_server_process.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {

TestServerProcess::TestServerProcess(const char* mode)
    : TestServerProcess(TestServerOptions{.mode = mode}) {}

TestServerProcess::TestServerProcess(TestServerOptions options) : options_(std::move(options)) {
  const int attempts = options_.port != 0 ? 1 : 3;
  for (int i = 0; i < attempts && !ready_; ++i) {
    ready_ = startOnce(options_.port != 0 ? options_.port : pickFreePort());
  }
  if (!ready_) {
    ADD_FAILURE() << "mesh-test-server did not come up: "
                  << (process_ ? process_->commandLine() : std::string("?")) << "\n--- stderr ---\n"
                  << (process_ ? process_->stderrTail(8192) : std::string()) << "\n--- end ---";
  }
}

TestServerProcess::~TestServerProcess() { stop(); }

bool TestServerProcess::startOnce(int port) {
  port_ = port;
  std::vector<std::string> argv = {binPath("mesh-test-server"), "--listen",
                                   absl::StrCat("127.0.0.1:", port), "--mode", options_.mode};
  if (!options_.name.empty()) argv.insert(argv.end(), {"--name", options_.name});
  if (options_.bytes >= 0) argv.insert(argv.end(), {"--bytes", std::to_string(options_.bytes)});
  if (options_.chunk > 0) argv.insert(argv.end(), {"--chunk", std::to_string(options_.chunk)});
  if (options_.status > 0) {
    argv.insert(argv.end(), {"--status", std::to_string(options_.status)});
  }
  if (options_.delay_ms > 0) {
    argv.insert(argv.end(), {"--delay-ms", std::to_string(options_.delay_ms)});
  }
  if (options_.threads > 0) {
    argv.insert(argv.end(), {"--threads", std::to_string(options_.threads)});
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  if (process_) process_->stop();
  process_ = std::make_unique<Process>(std::move(argv));
  if (!process_->started()) return false;
  bool up = waitUntil(
      [&] {
        return !process_->running() ||
               absl::StrContains(process_->stdoutText(), "listening on 127.0.0.1:");
      },
      options_.ready_timeout, absl::Milliseconds(10));
  return up && process_->running();
}

std::string TestServerProcess::address() const { return absl::StrCat("127.0.0.1:", port_); }

std::optional<int> TestServerProcess::stop(absl::Duration grace) {
  if (!process_ || !process_->started()) return std::nullopt;
  return process_->stop(grace);
}

}  // namespace meshproxy::testing
