// Runs the gRPC interop binaries (tests/support/grpc_interop/) from tests: a
// mesh-grpc-interop-server as the upstream, and mesh-grpc-interop-client cases against any
// address (the server itself, or meshproxy in front of it). One line per case:
//
//   GrpcInteropServerProcess server;                     // h2c on 127.0.0.1:<picked port>
//   ASSERT_TRUE(server.ready());
//   EXPECT_TRUE(grpcInteropCasePasses({.port = proxy_port}, "custom_metadata"));
//
// or every standard case as its own test:
//
//   TEST_P(MyGrpcTest, Case) { EXPECT_TRUE(grpcInteropCasePasses({.port = ...}, GetParam())); }
//   INSTANTIATE_TEST_SUITE_P(Interop, MyGrpcTest, ::testing::ValuesIn(grpcInteropCaseNames()),
//                            grpcInteropCaseParamName);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"

namespace meshproxy::testing {

// The standard interop cases mesh-grpc-interop-client implements, in the order of gRPC's
// interop test descriptions (the client's --test_case=list prints the same list; a test checks).
const std::vector<std::string>& grpcInteropCaseNames();
// For INSTANTIATE_TEST_SUITE_P over grpcInteropCaseNames(): the case name is the test name.
std::string grpcInteropCaseParamName(const ::testing::TestParamInfo<std::string>& info);

struct GrpcInteropServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: the server binds port 0 and reports the kernel's choice (no race)
  // TLS (h2, ALPN) when tls_cert_file is set; with tls_client_ca_file clients must present a
  // certificate from that CA (mTLS). PEM file paths.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  std::string server_id;  // SimpleResponse.server_id; empty: the binary's default
  // grpc.health.v1: initial status of "" and of every name in health_services.
  bool serving = true;
  std::vector<std::string> health_services;
  std::vector<std::string> extra_args;
  absl::Duration ready_timeout = absl::Seconds(10);
};

// Starts mesh-grpc-interop-server and waits for its "listening on" line; if it never comes up
// the current test fails (non-fatally) with the server's stderr. The destructor stops it
// (SIGTERM, then SIGKILL) by PID.
class GrpcInteropServerProcess {
 public:
  explicit GrpcInteropServerProcess(GrpcInteropServerOptions options = {});
  ~GrpcInteropServerProcess();
  GrpcInteropServerProcess(const GrpcInteropServerProcess&) = delete;
  GrpcInteropServerProcess& operator=(const GrpcInteropServerProcess&) = delete;

  bool ready() const { return ready_; }
  int port() const { return port_; }
  std::string address() const;  // "<host>:<port>"
  const GrpcInteropServerOptions& options() const { return options_; }
  Process& process() { return *process_; }

  // Sets the grpc.health.v1 status of every service the server knows (SIGUSR2 = SERVING,
  // SIGUSR1 = NOT_SERVING) and waits until the server reports the change. False on timeout.
  bool setServing(bool serving, absl::Duration timeout = absl::Seconds(5));
  std::optional<int> stop(absl::Duration grace = absl::Seconds(5));

 private:
  GrpcInteropServerOptions options_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
  bool ready_ = false;
};

struct GrpcInteropClientOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string authority;  // --server_host_override: :authority, and with TLS the SNI and the
                          // name the server certificate must carry
  bool use_tls = false;
  std::string ca_file;    // empty with use_tls: the system roots
  std::string cert_file;  // client certificate for mTLS (with key_file)
  std::string key_file;
  absl::Duration rpc_timeout = absl::Seconds(10);      // deadline of each call
  absl::Duration process_timeout = absl::Seconds(60);  // the whole client run, then SIGKILL
  std::vector<std::string> extra_args;                 // e.g. {"--health_service=foo"}
};

// Runs mesh-grpc-interop-client --test_case=<test_case> (a name, a comma-separated list or
// "all") to completion. Exit 0: every case passed; 1: one failed (stderr says which and why);
// 2: bad arguments.
CommandResult runGrpcInteropClient(const GrpcInteropClientOptions& options,
                                   const std::string& test_case);

// Success if the client exited 0 and reported PASS for the case; otherwise a failure that
// shows the command line, the exit status and the client's output.
::testing::AssertionResult grpcInteropCasePasses(const GrpcInteropClientOptions& options,
                                                 const std::string& test_case);

}  // namespace meshproxy::testing
