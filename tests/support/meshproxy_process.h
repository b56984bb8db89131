// Runs the real meshproxy binary for an integration test.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace meshproxy::testing {

struct MeshproxyOptions {
  int concurrency = 2;
  std::string log_level = "debug";
  // Appended after the standard arguments, e.g. {"--service-node", "sidecar~1"}.
  std::vector<std::string> extra_args;
  EnvList env;
  // 0: pick a free port.
  int admin_port = 0;
  // Wait for GET /ready == 200 in the constructor; the test fails if it does not come.
  bool wait_ready = true;
  absl::Duration ready_timeout = absl::Seconds(10);
  // Empty: binPath("meshproxy").
  std::string binary;
  // Runs meshproxy under this command, e.g. {"prlimit", "--nofile=256:256"} (it must exec
  // meshproxy in the same process, so PID and signals still reach meshproxy).
  std::vector<std::string> command_prefix;
};

// Writes the bootstrap YAML to <temp dir>/bootstrap.yaml and starts
//   meshproxy -c FILE --admin-address 127.0.0.1:ADMIN --concurrency N --log-level L [extra]
// then (unless options.wait_ready is false) waits for /ready. On timeout, or if meshproxy exits
// first, the current test fails (non-fatally) with its stderr; check ready() and ASSERT on it:
//   MeshproxyProcess proxy(yaml);
//   ASSERT_TRUE(proxy.ready());
// The destructor stops meshproxy (SIGTERM, then SIGKILL). If the test has failed, it prints
// the last 4 KiB of meshproxy's stderr. If meshproxy crashed (SIGSEGV, SIGABRT, ...) or its
// stderr shows a sanitizer report, the test fails.
class MeshproxyProcess {
 public:
  explicit MeshproxyProcess(std::string_view bootstrap_yaml, MeshproxyOptions options = {});
  ~MeshproxyProcess();
  MeshproxyProcess(const MeshproxyProcess&) = delete;
  MeshproxyProcess& operator=(const MeshproxyProcess&) = delete;

  bool ready() const { return ready_; }
  // Polls GET /ready until 200 (true) or timeout / exit of the process (false; no failure).
  bool waitReady(absl::Duration timeout);

  int adminPort() const { return admin_port_; }
  Process& process() { return *process_; }
  TempDir& tempDir() { return dir_; }
  const std::string& configPath() const { return config_path_; }

  HttpResponse adminGet(std::string_view path, absl::Duration timeout = absl::Seconds(5));
  HttpResponse adminPost(std::string_view path, std::string_view body = "",
                         absl::Duration timeout = absl::Seconds(5));

  // All integer-valued lines `name: value` of GET /stats.
  std::map<std::string, int64_t> stats();
  // The value of one stat from /stats (counter or gauge); nullopt if absent or not an integer.
  std::optional<int64_t> counterValue(std::string_view name);
  // Polls counterValue(name) until predicate(value) holds (true) or timeout (false).
  bool waitForCounter(std::string_view name, const std::function<bool(int64_t)>& predicate,
                      absl::Duration timeout = absl::Seconds(5));
  bool waitForCounterAtLeast(std::string_view name, int64_t min_value,
                             absl::Duration timeout = absl::Seconds(5));

  // SIGTERM, then SIGKILL after grace; returns the exit status. The destructor calls this.
  std::optional<int> stop(absl::Duration grace = absl::Seconds(10));

 private:
  TempDir dir_;
  std::string config_path_;
  int admin_port_ = 0;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

}  // namespace meshproxy::testing
