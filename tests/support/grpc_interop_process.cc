#include "tests/support/grpc_interop_process.h"

#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/support/binaries.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

constexpr char kListening[] = "listening on ";
constexpr char kHealth[] = "health: ";

// The port of the server's "listening on HOST:PORT (...)" line, or 0 if not printed yet.
int listeningPort(const std::string& stdout_text) {
  size_t at = stdout_text.find(kListening);
  if (at == std::string::npos) return 0;
  size_t end = stdout_text.find_first_of(" \n", at + sizeof(kListening) - 1);
  if (end == std::string::npos) return 0;
  std::string address =
      stdout_text.substr(at + sizeof(kListening) - 1, end - (at + sizeof(kListening) - 1));
  size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) return 0;
  return port;
}

// How many "health: " lines the server printed, and the status of the last one.
std::pair<int, std::string> healthReports(const std::string& stdout_text) {
  int count = 0;
  std::string last;
  for (size_t at = stdout_text.find(kHealth); at != std::string::npos;
       at = stdout_text.find(kHealth, at + 1)) {
    size_t begin = at + sizeof(kHealth) - 1;
    size_t end = stdout_text.find('\n', begin);
    if (end == std::string::npos) break;  // line not complete yet
    ++count;
    last = stdout_text.substr(begin, end - begin);
  }
  return {count, last};
}

}  // namespace

const std::vector<std::string>& grpcInteropCaseNames() {
  static const auto* names = new std::vector<std::string>{
      "empty_unary",
      "large_unary",
      "client_streaming",
      "server_streaming",
      "ping_pong",
      "empty_stream",
      "custom_metadata",
      "status_code_and_message",
      "special_status_message",
      "timeout_on_sleeping_server",
      "cancel_after_begin",
      "cancel_after_first_response",
      "unimplemented_method",
      "unimplemented_service",
  };
  return *names;
}

std::string grpcInteropCaseParamName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

GrpcInteropServerProcess::GrpcInteropServerProcess(GrpcInteropServerOptions options)
    : options_(std::move(options)) {
  std::vector<std::string> argv = {binPath("mesh-grpc-interop-server"),
                                   absl::StrCat("--host=", options_.host),
                                   absl::StrCat("--port=", options_.port)};
  if (!options_.tls_cert_file.empty()) {
    argv.push_back("--use_tls");
    argv.push_back(absl::StrCat("--tls_cert_file=", options_.tls_cert_file));
    argv.push_back(absl::StrCat("--tls_key_file=", options_.tls_key_file));
    if (!options_.tls_client_ca_file.empty()) {
      argv.push_back(absl::StrCat("--tls_client_ca_file=", options_.tls_client_ca_file));
    }
  }
  if (!options_.server_id.empty()) argv.push_back(absl::StrCat("--server_id=", options_.server_id));
  argv.push_back(absl::StrCat("--health=", options_.serving ? "SERVING" : "NOT_SERVING"));
  if (!options_.health_services.empty()) {
    argv.push_back(
        absl::StrCat("--health_services=", absl::StrJoin(options_.health_services, ",")));
  }
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  process_ = std::make_unique<Process>(std::move(argv));
  if (process_->started()) {
    waitUntil(
        [&] {
          port_ = listeningPort(process_->stdoutText());
          return port_ != 0 || !process_->running();
        },
        options_.ready_timeout, absl::Milliseconds(10));
    ready_ = port_ != 0 && process_->running();
  }
  if (!ready_) {
    ADD_FAILURE() << "mesh-grpc-interop-server did not come up: " << process_->commandLine() << "\n"
                  << process_->startError() << "\n--- stderr ---\n"
                  << process_->stderrTail(8192) << "\n--- end ---";
  }
}

GrpcInteropServerProcess::~GrpcInteropServerProcess() { stop(); }

std::string GrpcInteropServerProcess::address() const {
  return absl::StrCat(options_.host, ":", port_);
}

bool GrpcInteropServerProcess::setServing(bool serving, absl::Duration timeout) {
  const int before = healthReports(process_->stdoutText()).first;
  if (!process_->sendSignal(serving ? SIGUSR2 : SIGUSR1)) return false;
  const std::string want = serving ? "SERVING" : "NOT_SERVING";
  return waitUntil(
      [&] {
        auto [count, last] = healthReports(process_->stdoutText());
        return count > before && last == want;
      },
      timeout, absl::Milliseconds(10));
}

std::optional<int> GrpcInteropServerProcess::stop(absl::Duration grace) {
  if (!process_ || !process_->started()) return std::nullopt;
  return process_->stop(grace);
}

namespace {

std::vector<std::string> clientArgv(const GrpcInteropClientOptions& options,
                                    const std::string& test_case) {
  std::vector<std::string> argv = {
      binPath("mesh-grpc-interop-client"), absl::StrCat("--server_host=", options.host),
      absl::StrCat("--server_port=", options.port), absl::StrCat("--test_case=", test_case),
      absl::StrCat("--rpc_timeout_ms=", absl::ToInt64Milliseconds(options.rpc_timeout))};
  if (!options.authority.empty()) {
    argv.push_back(absl::StrCat("--server_host_override=", options.authority));
  }
  if (options.use_tls) {
    argv.push_back("--use_tls");
    if (!options.ca_file.empty()) argv.push_back(absl::StrCat("--ca_file=", options.ca_file));
    if (!options.cert_file.empty()) {
      argv.push_back(absl::StrCat("--cert_file=", options.cert_file));
      argv.push_back(absl::StrCat("--key_file=", options.key_file));
    }
  }
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  return argv;
}

}  // namespace

CommandResult runGrpcInteropClient(const GrpcInteropClientOptions& options,
                                   const std::string& test_case) {
  return runCommand(clientArgv(options, test_case), options.process_timeout);
}

::testing::AssertionResult grpcInteropCasePasses(const GrpcInteropClientOptions& options,
                                                 const std::string& test_case) {
  const std::vector<std::string> argv = clientArgv(options, test_case);
  CommandResult result = runCommand(argv, options.process_timeout);
  // The exit status decides; the PASS line guards against a client that ran nothing.
  if (result.ok() && absl::StrContains(result.stdout_text, "PASS ")) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "gRPC interop case " << test_case << " failed\n$ "
                                       << absl::StrJoin(argv, " ") << "\nexit "
                                       << (result.timed_out ? std::string("(timed out, killed)")
                                                            : std::to_string(result.exit_code))
                                       << "\n--- stdout ---\n"
                                       << result.stdout_text << "--- stderr ---\n"
                                       << result.stderr_text << "--- end ---";
}

}  // namespace meshproxy::testing
