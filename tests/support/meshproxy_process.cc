#include "tests/support/meshproxy_process.h"

#include <signal.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

constexpr size_t kTailBytes = 4096;

bool isCrashSignal(int status) {
  switch (-status) {
    case SIGSEGV:
    case SIGABRT:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
      return true;
    default:
      return false;
  }
}

bool hasSanitizerReport(absl::string_view text) {
  return absl::StrContains(text, "ERROR: AddressSanitizer") ||
         absl::StrContains(text, "ERROR: LeakSanitizer") ||
         absl::StrContains(text, "WARNING: ThreadSanitizer") ||
         absl::StrContains(text, ": runtime error: ");
}

}  // namespace

MeshproxyProcess::MeshproxyProcess(std::string_view bootstrap_yaml, MeshproxyOptions options) {
  config_path_ = dir_.writeFile("bootstrap.yaml", bootstrap_yaml);
  admin_port_ = options.admin_port != 0 ? options.admin_port : pickFreePort();
  std::vector<std::string> argv = {
      options.binary.empty() ? binPath("meshproxy") : options.binary,
      "-c",
      config_path_,
      "--admin-address",
      absl::StrCat("127.0.0.1:", admin_port_),
      "--concurrency",
      std::to_string(options.concurrency),
      "--log-level",
      options.log_level,
  };
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  argv.insert(argv.begin(), options.command_prefix.begin(), options.command_prefix.end());
  ProcessOptions process_options;
  process_options.env = options.env;
  process_options.output_dir = dir_.path();
  process_ = std::make_unique<Process>(std::move(argv), std::move(process_options));
  if (!process_->started()) {
    ADD_FAILURE() << "meshproxy did not start: " << process_->startError();
    return;
  }
  if (!options.wait_ready) return;
  ready_ = waitReady(options.ready_timeout);
  if (!ready_) {
    std::string why = process_->running()
                          ? absl::StrCat("no 200 from /ready within ",
                                         absl::FormatDuration(options.ready_timeout))
                          : absl::StrCat("it exited with status ", *process_->exitStatus());
    ADD_FAILURE() << "meshproxy not ready (" << why << ")\ncommand: " << process_->commandLine()
                  << "\n--- stderr (last 16 KiB) ---\n"
                  << process_->stderrTail(16384) << "\n--- end of stderr ---";
  }
}

MeshproxyProcess::~MeshproxyProcess() {
  if (!process_ || !process_->started()) return;
  std::optional<int> status = stop();
  std::string tail = process_->stderrTail(64 * 1024);
  bool crashed = status.has_value() && isCrashSignal(*status);
  if (crashed || hasSanitizerReport(tail)) {
    ADD_FAILURE() << "meshproxy crashed or reported a sanitizer error (exit status "
                  << (status ? std::to_string(*status) : "unknown") << ")\n--- stderr tail ---\n"
                  << tail.substr(tail.size() > 16384 ? tail.size() - 16384 : 0)
                  << "\n--- end of stderr ---";
    return;
  }
  if (::testing::Test::HasFailure()) {
    std::string_view last(tail);
    if (last.size() > kTailBytes) last.remove_prefix(last.size() - kTailBytes);
    fprintf(stderr, "--- meshproxy stderr (last 4 KiB; exit status %s) ---\n%.*s\n--- end ---\n",
            status ? std::to_string(*status).c_str() : "unknown", static_cast<int>(last.size()),
            last.data());
  }
}

bool MeshproxyProcess::waitReady(absl::Duration timeout) {
  return waitUntil(
             [&] {
               if (!process_->running()) return true;  // stop waiting; checked below
               return adminGet("/ready", absl::Seconds(1)).status == 200;
             },
             timeout, absl::Milliseconds(50)) &&
         process_->running();
}

HttpResponse MeshproxyProcess::adminGet(std::string_view path, absl::Duration timeout) {
  return httpRequest("127.0.0.1", admin_port_, "GET", path, {}, "", timeout);
}

HttpResponse MeshproxyProcess::adminPost(std::string_view path, std::string_view body,
                                         absl::Duration timeout) {
  return httpRequest("127.0.0.1", admin_port_, "POST", path, {}, body, timeout);
}

std::map<std::string, int64_t> MeshproxyProcess::stats() {
  std::map<std::string, int64_t> out;
  HttpResponse response = adminGet("/stats");
  if (response.status != 200) return out;
  for (absl::string_view line : absl::StrSplit(response.body, '\n')) {
    size_t sep = line.find(": ");
    if (sep == absl::string_view::npos) continue;
    int64_t value = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(sep + 2)), &value)) {
      out[std::string(absl::StripAsciiWhitespace(line.substr(0, sep)))] = value;
    }
  }
  return out;
}

std::optional<int64_t> MeshproxyProcess::counterValue(std::string_view name) {
  std::map<std::string, int64_t> all = stats();
  auto it = all.find(std::string(name));
  if (it == all.end()) return std::nullopt;
  return it->second;
}

bool MeshproxyProcess::waitForCounter(std::string_view name,
                                      const std::function<bool(int64_t)>& predicate,
                                      absl::Duration timeout) {
  return waitUntil(
      [&] {
        std::optional<int64_t> value = counterValue(name);
        return value.has_value() && predicate(*value);
      },
      timeout, absl::Milliseconds(50));
}

bool MeshproxyProcess::waitForCounterAtLeast(std::string_view name, int64_t min_value,
                                             absl::Duration timeout) {
  return waitForCounter(
      name, [min_value](int64_t v) { return v >= min_value; }, timeout);
}

std::optional<int> MeshproxyProcess::stop(absl::Duration grace) {
  if (!process_ || !process_->started()) return std::nullopt;
  if (process_->running()) {
    return process_->stop(grace);
  }
  return process_->exitStatus();
}

}  // namespace meshproxy::testing
