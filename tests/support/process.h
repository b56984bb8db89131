// Child processes for integration tests: start, signal, wait (always bounded), stop by PID.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace meshproxy::testing {

class TempDir;

using EnvList = std::vector<std::pair<std::string, std::string>>;

struct ProcessOptions {
  // Added to the test's environment (an existing variable of the same name is replaced).
  EnvList env;
  // Working directory of the child; empty keeps the test's.
  std::string working_dir;
  // Directory for the stdout/stderr files; empty means a private TempDir owned by the Process
  // (removed with it). Files are named <basename(argv[0])>.<n>.stdout / .stderr.
  std::string output_dir;
};

// A child started with posix_spawnp: stdin is /dev/null, stdout and stderr go to files, every
// other descriptor is closed in the child, signal dispositions and mask are reset to default.
// The destructor SIGKILLs a still-running child (by its PID) and reaps it.
// Exit statuses are the exit code, or -N when the child died of signal N.
class Process {
 public:
  explicit Process(std::vector<std::string> argv, ProcessOptions options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // False if the child could not be started (e.g. binary not found); see startError().
  bool started() const { return pid_ > 0; }
  const std::string& startError() const { return start_error_; }

  pid_t pid() const { return pid_; }
  const std::vector<std::string>& argv() const { return argv_; }
  std::string commandLine() const;  // argv joined by spaces, for messages

  // True while the child has not exited (reaps it if it has).
  bool running();
  // Sends sig to the child's PID; false if the child is already reaped or kill() fails.
  bool sendSignal(int sig);
  // Waits up to timeout for the child to exit; returns its exit status, or nullopt on timeout.
  std::optional<int> waitExit(absl::Duration timeout);
  // The exit status if the child has been reaped already.
  std::optional<int> exitStatus() const { return exit_status_; }
  // SIGTERM, wait up to grace, then SIGKILL. Returns the exit status (nullopt only if the child
  // could not be reaped even after SIGKILL, or was never started).
  std::optional<int> stop(absl::Duration grace = absl::Seconds(5));

  const std::string& stdoutPath() const { return stdout_path_; }
  const std::string& stderrPath() const { return stderr_path_; }
  std::string stdoutText() const;
  std::string stderrText() const;
  // The last max_bytes bytes of stderr (the whole file if shorter).
  std::string stderrTail(size_t max_bytes = 4096) const;

 private:
  void reapIfExited();

  std::vector<std::string> argv_;
  std::unique_ptr<TempDir> own_dir_;
  std::string stdout_path_;
  std::string stderr_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string start_error_;
};

struct CommandResult {
  int exit_code = -1;  // exit code, -N if killed by signal N, 127 if it could not be started
  std::string stdout_text;
  std::string stderr_text;
  bool timed_out = false;  // it overran the timeout and was SIGKILLed

  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs argv to completion (PATH is searched), feeding stdin_text on its stdin and capturing
// stdout and stderr. A command that overruns timeout is SIGKILLed (by PID) and reaped.
// options.env and options.working_dir apply; options.output_dir is unused.
CommandResult runCommand(const std::vector<std::string>& argv, absl::Duration timeout,
                         std::string_view stdin_text = "", const ProcessOptions& options = {});

// Reads a whole file ("" if it cannot be read); the last max_bytes only if max_bytes != 0.
std::string readFileText(const std::string& path, size_t max_bytes = 0);

// Makes SIGPIPE ignored in the test process (idempotent). Writes to closed pipes/sockets then
// fail with EPIPE instead of killing the test. Children get default dispositions regardless.
void ignoreSigpipe();

}  // namespace meshproxy::testing
