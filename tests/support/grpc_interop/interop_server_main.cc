// mesh-grpc-interop-server: gRPC's interop TestService (grpc++) for tests of meshproxy's
// HTTP/2 and gRPC paths, plus the standard grpc.health.v1 Health service.
//
//   mesh-grpc-interop-server [--host=127.0.0.1] [--port=0] [--server_id=ID]
//       [--use_tls --tls_cert_file=PEM --tls_key_file=PEM [--tls_client_ca_file=PEM]]
//       [--health=SERVING|NOT_SERVING] [--health_services=svc1,svc2]
//
// Plaintext is h2c with prior knowledge; --use_tls serves h2 over TLS (ALPN h2) and with
// --tls_client_ca_file requires and verifies a client certificate (mTLS). --port=0 lets the
// kernel pick. Prints "listening on HOST:PORT" once serving. Health: the overall service ""
// and every --health_services name start with --health's status; SIGUSR1 sets them all
// NOT_SERVING, SIGUSR2 SERVING, each change printed as "health: <STATUS>". Exits 0 on
// SIGTERM/SIGINT, 1 if it cannot start (or on an unknown flag), 2 on inconsistent arguments.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <stdio.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/support/grpc_interop/pem_files.h"
#include "tests/support/grpc_interop/test_service.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "Address to listen on");
ABSL_FLAG(int, port, 0, "Port to listen on; 0 picks a free one");
ABSL_FLAG(std::string, server_id, "mesh-grpc-interop-server",
          "SimpleResponse.server_id for requests with fill_server_id");
ABSL_FLAG(bool, use_tls, false, "Serve h2 over TLS instead of h2c");
ABSL_FLAG(std::string, tls_cert_file, "", "Server certificate chain (PEM), with --use_tls");
ABSL_FLAG(std::string, tls_key_file, "", "Server private key (PEM), with --use_tls");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "CA (PEM) that client certificates must chain to; set: mTLS required");
ABSL_FLAG(std::string, health, "SERVING", "Initial grpc.health.v1 status: SERVING|NOT_SERVING");
ABSL_FLAG(std::vector<std::string>, health_services, {},
          "Service names the Health service knows besides \"\" (comma-separated)");

namespace {

using meshproxy::grpc_interop::readPemFile;

void say(const std::string& line) {
  fprintf(stdout, "%s\n", line.c_str());
  fflush(stdout);
}

int usageError(const std::string& message) {
  fprintf(stderr, "mesh-grpc-interop-server: %s\n", message.c_str());
  return 2;
}

// Server credentials from the flags; nullptr with *error set if they are inconsistent.
std::shared_ptr<grpc::ServerCredentials> serverCredentials(std::string* error) {
  const std::string cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  const std::string key_file = absl::GetFlag(FLAGS_tls_key_file);
  const std::string client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  if (!absl::GetFlag(FLAGS_use_tls)) {
    if (!cert_file.empty() || !key_file.empty() || !client_ca_file.empty()) {
      *error = "--tls_cert_file/--tls_key_file/--tls_client_ca_file need --use_tls";
      return nullptr;
    }
    return grpc::InsecureServerCredentials();
  }
  if (cert_file.empty() || key_file.empty()) {
    *error = "--use_tls needs --tls_cert_file and --tls_key_file";
    return nullptr;
  }
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  if (!readPemFile(key_file, &pair.private_key, error) ||
      !readPemFile(cert_file, &pair.cert_chain, error)) {
    return nullptr;
  }
  grpc::SslServerCredentialsOptions options(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  if (!client_ca_file.empty()) {
    if (!readPemFile(client_ca_file, &options.pem_root_certs, error)) return nullptr;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  options.pem_key_cert_pairs.push_back(std::move(pair));
  return grpc::SslServerCredentials(options);
}

void setHealth(grpc::Server& server, bool serving) {
  server.GetHealthCheckService()->SetServingStatus(serving);
  say(absl::StrCat("health: ", serving ? "SERVING" : "NOT_SERVING"));
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("gRPC interop TestService server (see the file's header)");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) return usageError(absl::StrCat("unexpected argument ", rest[1]));
  const std::string health = absl::GetFlag(FLAGS_health);
  if (health != "SERVING" && health != "NOT_SERVING") {
    return usageError("--health must be SERVING or NOT_SERVING");
  }
  std::string error;
  std::shared_ptr<grpc::ServerCredentials> credentials = serverCredentials(&error);
  if (!credentials) return usageError(error);

  // Block the signals we handle before grpc++ starts threads, so all of them inherit the mask
  // and sigwait() below is the only receiver.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) sigaddset(&handled, sig);
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);

  grpc::EnableDefaultHealthCheckService(true);
  meshproxy::grpc_interop::TestServiceImpl service(absl::GetFlag(FLAGS_server_id));
  grpc::ServerBuilder builder;
  // A fixed port already taken must fail, not be shared with another process.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(64 << 20);
  const std::string host = absl::GetFlag(FLAGS_host);
  const std::string address = host.find(':') != std::string::npos
                                  ? absl::StrCat("[", host, "]:", absl::GetFlag(FLAGS_port))
                                  : absl::StrCat(host, ":", absl::GetFlag(FLAGS_port));
  int selected_port = 0;
  builder.AddListeningPort(address, credentials, &selected_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || selected_port == 0) {
    fprintf(stderr, "mesh-grpc-interop-server: cannot listen on %s\n", address.c_str());
    return 1;
  }
  for (const std::string& name : absl::GetFlag(FLAGS_health_services)) {
    server->GetHealthCheckService()->SetServingStatus(name, true);
  }
  setHealth(*server, health == "SERVING");
  say(absl::StrCat("listening on ", host, ":", selected_port,
                   absl::GetFlag(FLAGS_use_tls)
                       ? (absl::GetFlag(FLAGS_tls_client_ca_file).empty() ? " (tls)" : " (mtls)")
                       : " (h2c)"));

  while (true) {
    int sig = 0;
    if (sigwait(&handled, &sig) != 0) continue;
    if (sig == SIGUSR1 || sig == SIGUSR2) {
      setHealth(*server, sig == SIGUSR2);
      continue;
    }
    break;
  }
  // Let calls in flight finish briefly, then cancel the rest.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  say("stopped");
  return 0;
}
