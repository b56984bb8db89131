// Runs mesh-test-server (tests/support/test_server_main.cc) as a test upstream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/process.h"

namespace meshproxy::testing {

struct TestServerOptions {
  std::string mode = "echo";  // echo | sink | source | http
  std::string name;           // --name; empty: the server's default ("mesh-test-server")
  int64_t bytes = -1;         // --bytes (source mode); -1: not passed
  int chunk = 0;              // --chunk; 0: not passed
  int delay_ms = 0;           // --delay-ms; 0: not passed
  int threads = 0;            // --threads; 0: not passed
  int status = 0;             // --status (http: every response's status); 0: not passed (one event loop)
  int port = 0;               // 0: pickFreePort()
  std::vector<std::string> extra_args;
  absl::Duration ready_timeout = absl::Seconds(10);
};

// Starts mesh-test-server on 127.0.0.1:<picked port> and waits for its "listening on" line
// (no probe connection is made). If the port was taken meanwhile it retries with another
// port; if it never comes up the current test fails (non-fatally) with the server's stderr:
//   TestServerProcess upstream({.mode = "http", .name = "backend-a"});
//   ASSERT_TRUE(upstream.ready());
// The destructor stops the server (SIGTERM, then SIGKILL) by PID.
class TestServerProcess {
 public:
  explicit TestServerProcess(TestServerOptions options = {});
  explicit TestServerProcess(const char* mode);  // TestServerProcess("echo")
  ~TestServerProcess();
  TestServerProcess(const TestServerProcess&) = delete;
  TestServerProcess& operator=(const TestServerProcess&) = delete;

  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:<port>"
  const TestServerOptions& options() const { return options_; }
  Process& process() { return *process_; }
  std::optional<int> stop(absl::Duration grace = absl::Seconds(5));

 private:
  bool startOnce(int port);

  TestServerOptions options_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

}  // namespace meshproxy::testing
