// mesh-control's command line: serving (the default command) and `status`.
#pragma once

#include <chrono>
#include <string>

#include "absl/status/statusor.h"

namespace meshproxy::xds_server {

// The admin address both commands use unless told otherwise (istiod's monitoring port).
inline constexpr char kDefaultAdminAddress[] = "127.0.0.1:15014";

struct Options {
  enum class Command { kServe, kStatus, kHelp, kVersion };
  Command command = Command::kServe;
  std::string listen;                        // gRPC (ADS) address, HOST:PORT; port 0 picks one
  std::string resources_dir;                 // DIR with all/ and nodes/<node-id>/
  std::string admin = kDefaultAdminAddress;  // HOST:PORT; port 0 picks one
  std::string log_level = "info";
  std::string log_format = "text";
  // The built-in CA (SDS secrets `default` and `ROOTCA`): on with --ca-dir, or with
  // --ca-cert and --ca-key (bring your own root).
  std::string ca_dir;
  std::string ca_cert;
  std::string ca_key;
  std::string trust_domain = "cluster.local";
  std::chrono::seconds cert_ttl{24 * 3600};
  bool caEnabled() const { return !ca_dir.empty() || !ca_cert.empty(); }
};

// Errors (InvalidArgument) name the option: unknown option, missing value or required
// option, an address that is not a numeric IP with a port.
absl::StatusOr<Options> parseOptions(int argc, const char* const* argv);
std::string usage();

}  // namespace meshproxy::xds_server
