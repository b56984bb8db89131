#include "tests/support/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tests/support/temp_dir.h"

extern char** environ;

namespace meshproxy::testing {
namespace {

int decodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

std::vector<std::string> buildEnvironment(const EnvList& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view kv(*entry);
    std::string_view name = kv.substr(0, kv.find('='));
    bool overridden = std::any_of(extra.begin(), extra.end(),
                                  [&](const auto& pair) { return pair.first == name; });
    if (!overridden) env.emplace_back(kv);
  }
  for (const auto& [name, value] : extra) env.push_back(absl::StrCat(name, "=", value));
  return env;
}

std::vector<char*> cStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Spawns argv with stdin/stdout/stderr taken from the given parent descriptors. Returns the
// child's PID, or -1 with *error set.
pid_t spawnChild(std::vector<std::string> argv, const ProcessOptions& options, int in_fd,
                 int out_fd, int err_fd, std::string* error) {
  if (argv.empty()) {
    *error = "empty argv";
    return -1;
  }
  ignoreSigpipe();
  std::vector<std::string> env = buildEnvironment(options.env);
  std::vector<char*> c_argv = cStrings(argv);
  std::vector<char*> c_env = cStrings(env);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  }

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all_signals;
  sigfillset(&all_signals);
  sigdelset(&all_signals, SIGKILL);
  sigdelset(&all_signals, SIGSTOP);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigdefault(&attr, &all_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  pid_t pid = -1;
  int rc = posix_spawnp(&pid, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    *error = absl::StrCat("cannot start ", argv[0], ": ", strerror(rc));
    return -1;
  }
  return pid;
}

std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void setNonBlocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

void closeFd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

void ignoreSigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { signal(SIGPIPE, SIG_IGN); });
}

std::string readFileText(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  if (max_bytes != 0) {
    in.seekg(0, std::ios::end);
    std::streamoff size = in.tellg();
    if (size > static_cast<std::streamoff>(max_bytes)) {
      in.seekg(size - static_cast<std::streamoff>(max_bytes));
    } else {
      in.seekg(0);
    }
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Process::Process(std::vector<std::string> argv, ProcessOptions options) : argv_(std::move(argv)) {
  static std::atomic<int> counter{0};
  std::string dir = options.output_dir;
  if (dir.empty()) {
    own_dir_ = std::make_unique<TempDir>();
    dir = own_dir_->path();
  }
  std::string stem = absl::StrCat(dir, "/", argv_.empty() ? "process" : baseName(argv_[0]), ".",
                                  counter.fetch_add(1));
  stdout_path_ = stem + ".stdout";
  stderr_path_ = stem + ".stderr";

  int in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int out_fd = open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (in_fd < 0 || out_fd < 0 || err_fd < 0) {
    start_error_ = absl::StrCat("cannot open output files under ", dir, ": ", strerror(errno));
  } else {
    pid_ = spawnChild(argv_, options, in_fd, out_fd, err_fd, &start_error_);
  }
  closeFd(in_fd);
  closeFd(out_fd);
  closeFd(err_fd);
}

Process::~Process() {
  if (pid_ <= 0) return;
  reapIfExited();
  if (exit_status_.has_value()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string Process::commandLine() const { return absl::StrJoin(argv_, " "); }

void Process::reapIfExited() {
  if (pid_ <= 0 || exit_status_.has_value()) return;
  int status = 0;
  pid_t rc = waitpid(pid_, &status, WNOHANG);
  if (rc == pid_) {
    exit_status_ = decodeWaitStatus(status);
  } else if (rc < 0 && errno == ECHILD) {
    exit_status_ = -1;  // someone else reaped it; treat as gone
  }
}

bool Process::running() {
  reapIfExited();
  return pid_ > 0 && !exit_status_.has_value();
}

bool Process::sendSignal(int sig) {
  if (!running()) return false;
  return kill(pid_, sig) == 0;
}

std::optional<int> Process::waitExit(absl::Duration timeout) {
  if (pid_ <= 0) return std::nullopt;
  const absl::Time deadline = absl::Now() + timeout;
  absl::Duration nap = absl::Milliseconds(1);
  while (true) {
    reapIfExited();
    if (exit_status_.has_value()) return exit_status_;
    absl::Time now = absl::Now();
    if (now >= deadline) return std::nullopt;
    absl::SleepFor(std::min(nap, deadline - now));
    nap = std::min(nap * 2, absl::Milliseconds(20));
  }
}

std::optional<int> Process::stop(absl::Duration grace) {
  if (pid_ <= 0) return std::nullopt;
  if (sendSignal(SIGTERM)) {
    if (auto status = waitExit(grace)) return status;
  }
  if (running()) kill(pid_, SIGKILL);
  return waitExit(absl::Seconds(10));
}

std::string Process::stdoutText() const { return readFileText(stdout_path_); }
std::string Process::stderrText() const { return readFileText(stderr_path_); }
std::string Process::stderrTail(size_t max_bytes) const {
  return readFileText(stderr_path_, max_bytes);
}

CommandResult runCommand(const std::vector<std::string>& argv, absl::Duration timeout,
                         std::string_view stdin_text, const ProcessOptions& options) {
  CommandResult result;
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) {
    result.exit_code = 127;
    result.stderr_text = "pipe2 failed";
    return result;
  }
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    result.exit_code = 127;
    result.stderr_text = "pipe2 failed";
    return result;
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) close(fd);
    result.exit_code = 127;
    result.stderr_text = "pipe2 failed";
    return result;
  }
  std::string error;
  pid_t pid = spawnChild(argv, options, in_pipe[0], out_pipe[1], err_pipe[1], &error);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  int in_fd = in_pipe[1], out_fd = out_pipe[0], err_fd = err_pipe[0];
  if (pid < 0) {
    closeFd(in_fd);
    closeFd(out_fd);
    closeFd(err_fd);
    result.exit_code = 127;
    result.stderr_text = error;
    return result;
  }
  setNonBlocking(in_fd);
  setNonBlocking(out_fd);
  setNonBlocking(err_fd);
  if (stdin_text.empty()) closeFd(in_fd);

  const absl::Time deadline = absl::Now() + timeout;
  std::optional<int> exit_status;
  absl::Time exited_at;
  size_t written = 0;
  char buf[65536];
  while (true) {
    if (!exit_status.has_value()) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exit_status = decodeWaitStatus(status);
        exited_at = absl::Now();
      }
    }
    if (out_fd < 0 && err_fd < 0) {
      if (exit_status.has_value()) break;
    }
    const absl::Time now = absl::Now();
    if (now >= deadline && !exit_status.has_value()) {
      kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    // Output pipes held open by grandchildren must not keep us here forever.
    if (exit_status.has_value() && (now - exited_at > absl::Milliseconds(500) || now >= deadline))
      break;

    pollfd fds[3];
    int n = 0;
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    int wait_ms = static_cast<int>(
        std::clamp(absl::ToInt64Milliseconds(deadline - now), int64_t{1}, int64_t{20}));
    if (n == 0) {
      absl::SleepFor(absl::Milliseconds(std::min(wait_ms, 2)));
      continue;
    }
    if (poll(fds, n, wait_ms) <= 0) continue;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_fd) {
        ssize_t w = write(in_fd, stdin_text.data() + written,
                          std::min<size_t>(stdin_text.size() - written, 65536));
        if (w > 0) written += static_cast<size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == stdin_text.size()) {
          closeFd(in_fd);
        }
        continue;
      }
      int& fd = fds[i].fd == out_fd ? out_fd : err_fd;
      std::string& sink = fds[i].fd == out_fd ? result.stdout_text : result.stderr_text;
      ssize_t r = read(fd, buf, sizeof(buf));
      if (r > 0) {
        sink.append(buf, static_cast<size_t>(r));
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        closeFd(fd);
      }
    }
  }
  closeFd(in_fd);
  closeFd(out_fd);
  closeFd(err_fd);
  if (!exit_status.has_value()) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    exit_status = decodeWaitStatus(status);
  }
  result.exit_code = *exit_status;
  return result;
}

}  // namespace meshproxy::testing
