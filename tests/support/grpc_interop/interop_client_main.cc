// mesh-grpc-interop-client: runs gRPC's interop test cases (grpc++) against a TestService,
// directly or through a proxy.
//
//   mesh-grpc-interop-client --server_port=PORT --test_case=NAME[,NAME...|all]
//       [--server_host=127.0.0.1] [--server_host_override=AUTHORITY]
//       [--use_tls [--ca_file=PEM] [--cert_file=PEM --key_file=PEM]]
//       [--rpc_timeout_ms=10000] [--health_service=NAME --expect_health=STATUS]
//
// Flags follow the interop descriptions (doc/interop-test-descriptions.md) where they exist.
// --server_host_override sets :authority (and, with TLS, the name checked in the server's
// certificate and sent as SNI). --ca_file replaces the system roots; --cert_file/--key_file
// present a client certificate (mTLS). Cases: the standard ones listed by --test_case=list,
// "all" for every one of them, and health_check (grpc.health.v1.Health/Check of
// --health_service, passing if the answer is --expect_health: a ServingStatus name, or the
// status code name the call fails with, e.g. NOT_FOUND).
//
// Prints "PASS <case>" per passed case on stdout and "FAIL <case>: <why>" on stderr. Exits 0
// only if every case passed, 1 if one failed, 2 on bad arguments (absl's flag parser exits 1
// on an unknown flag).
#include <grpcpp/grpcpp.h>
#include <stdio.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "tests/support/grpc_interop/interop_cases.h"
#include "tests/support/grpc_interop/pem_files.h"

ABSL_FLAG(std::string, server_host, "127.0.0.1", "Server (or proxy) host");
ABSL_FLAG(int, server_port, 0, "Server (or proxy) port");
ABSL_FLAG(std::string, server_host_override, "",
          ":authority to send; with TLS also the expected certificate name and SNI");
ABSL_FLAG(std::string, test_case, "", "Case name(s), comma-separated; all; list");
ABSL_FLAG(bool, use_tls, false, "Connect with TLS (ALPN h2) instead of h2c");
ABSL_FLAG(std::string, ca_file, "", "Root CA (PEM) for the server certificate; default: system");
ABSL_FLAG(std::string, cert_file, "", "Client certificate chain (PEM) for mTLS");
ABSL_FLAG(std::string, key_file, "", "Client private key (PEM) for mTLS");
ABSL_FLAG(int, rpc_timeout_ms, 10000, "Deadline of each call");
ABSL_FLAG(std::string, health_service, "", "health_check: the service name asked about");
ABSL_FLAG(std::string, expect_health, "SERVING", "health_check: the expected answer");

namespace {

using meshproxy::grpc_interop::CaseSettings;
using meshproxy::grpc_interop::readPemFile;

int usageError(const std::string& message) {
  fprintf(stderr, "mesh-grpc-interop-client: %s\n", message.c_str());
  return 2;
}

std::shared_ptr<grpc::ChannelCredentials> channelCredentials(std::string* error) {
  const std::string ca_file = absl::GetFlag(FLAGS_ca_file);
  const std::string cert_file = absl::GetFlag(FLAGS_cert_file);
  const std::string key_file = absl::GetFlag(FLAGS_key_file);
  if (!absl::GetFlag(FLAGS_use_tls)) {
    if (!ca_file.empty() || !cert_file.empty() || !key_file.empty()) {
      *error = "--ca_file/--cert_file/--key_file need --use_tls";
      return nullptr;
    }
    return grpc::InsecureChannelCredentials();
  }
  if (cert_file.empty() != key_file.empty()) {
    *error = "--cert_file and --key_file go together";
    return nullptr;
  }
  grpc::SslCredentialsOptions options;
  if (!ca_file.empty() && !readPemFile(ca_file, &options.pem_root_certs, error)) return nullptr;
  if (!cert_file.empty() && (!readPemFile(cert_file, &options.pem_cert_chain, error) ||
                             !readPemFile(key_file, &options.pem_private_key, error))) {
    return nullptr;
  }
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::Channel> makeChannel(std::shared_ptr<grpc::ChannelCredentials> credentials) {
  grpc::ChannelArguments args;
  // Talk to exactly the address given: no http_proxy/grpc_proxy from the environment, and no
  // transparent retries that would hide a stream the proxy under test refused or reset.
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  args.SetMaxReceiveMessageSize(64 << 20);
  const std::string authority = absl::GetFlag(FLAGS_server_host_override);
  if (!authority.empty()) {
    args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, authority);
    if (absl::GetFlag(FLAGS_use_tls)) args.SetSslTargetNameOverride(authority);
  }
  const std::string host = absl::GetFlag(FLAGS_server_host);
  const int port = absl::GetFlag(FLAGS_server_port);
  const std::string target = host.find(':') != std::string::npos
                                 ? absl::StrCat("[", host, "]:", port)
                                 : absl::StrCat(host, ":", port);
  return grpc::CreateCustomChannel(target, credentials, args);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("gRPC interop test client (see the file's header)");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) return usageError(absl::StrCat("unexpected argument ", rest[1]));

  const std::string test_case = absl::GetFlag(FLAGS_test_case);
  if (test_case == "list") {
    for (const std::string& name : meshproxy::grpc_interop::standardCaseNames()) {
      printf("%s\n", name.c_str());
    }
    return 0;
  }
  std::vector<std::string> cases;
  if (test_case == "all") {
    cases = meshproxy::grpc_interop::standardCaseNames();
  } else {
    cases = absl::StrSplit(test_case, ',', absl::SkipEmpty());
  }
  if (cases.empty()) return usageError("--test_case is required (--test_case=list shows them)");
  for (const std::string& name : cases) {
    if (!meshproxy::grpc_interop::isKnownCase(name)) {
      return usageError(absl::StrCat(
          "unknown test case \"", name, "\"; known: ",
          absl::StrJoin(meshproxy::grpc_interop::standardCaseNames(), ", "), ", health_check"));
    }
  }
  const int port = absl::GetFlag(FLAGS_server_port);
  if (port <= 0 || port > 65535) return usageError("--server_port is required (1-65535)");
  if (absl::GetFlag(FLAGS_rpc_timeout_ms) <= 0) return usageError("--rpc_timeout_ms must be > 0");
  std::string error;
  auto credentials = channelCredentials(&error);
  if (!credentials) return usageError(error);

  CaseSettings settings;
  settings.channel = makeChannel(credentials);
  settings.rpc_timeout = std::chrono::milliseconds(absl::GetFlag(FLAGS_rpc_timeout_ms));
  settings.health_service = absl::GetFlag(FLAGS_health_service);
  settings.expect_health = absl::GetFlag(FLAGS_expect_health);

  int failed = 0;
  for (const std::string& name : cases) {
    const auto start = std::chrono::steady_clock::now();
    absl::Status result = meshproxy::grpc_interop::runCase(name, settings);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    if (result.ok()) {
      printf("PASS %s (%lld ms)\n", name.c_str(), static_cast<long long>(ms));
    } else {
      ++failed;
      fprintf(stderr, "FAIL %s: %s (%lld ms)\n", name.c_str(),
              std::string(result.message()).c_str(), static_cast<long long>(ms));
    }
    fflush(stdout);
    fflush(stderr);
  }
  return failed == 0 ? 0 : 1;
}
