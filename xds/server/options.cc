#include "xds/server/options.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "proxy/network/address.h"

namespace meshproxy::xds_server {

std::string usage() {
  return absl::StrCat(R"(Usage:
  mesh-control --listen HOST:PORT|unix:PATH --resources DIR [--admin HOST:PORT]
               [--log-level LEVEL]
               [--log-format text|json] [--ca-dir DIR | --ca-cert FILE --ca-key FILE]
               [--trust-domain NAME] [--cert-ttl DURATION]
  mesh-control status [--admin HOST:PORT]
  mesh-control inject -f FILE [-o FILE] [--image IMAGE]   (see mesh-control inject --help)

The reference xDS control plane: serves Envoy v3 resources from DIR over ADS
(State of the World and delta), and SDS, LDS and CDS on their own services, and pushes
a new version when files change.

  --listen HOST:PORT     gRPC address for xDS (port 0 picks a free port; see the log), or
                         unix:PATH for a Unix domain socket
  --resources DIR        DIR/all/*.yaml|yml|json go to every node,
                         DIR/nodes/<node-id>/* only to that node (and override `all`)
  --admin HOST:PORT      admin HTTP server: /nodes, /resources, /ready
                         (default )",
                      kDefaultAdminAddress, R"()
  --ca-dir DIR           run the built-in CA, its root kept in DIR (created on first
                         start: root-cert.pem, root-key.pem 0600; reused after). Each
                         node subscribing to SDS gets secret `default` (its workload
                         certificate, URI SAN spiffe://TRUST-DOMAIN/ns/NS/sa/SA from
                         metadata NAMESPACE and SERVICE_ACCOUNT) and `ROOTCA`
  --ca-cert FILE --ca-key FILE
                         run the CA with this root (PEM) instead of --ca-dir
  --trust-domain NAME    SPIFFE trust domain (default cluster.local)
  --cert-ttl DURATION    workload certificate lifetime, e.g. 2s, 30m, 24h (default 24h);
                         re-issued and pushed at half of it
  --log-level LEVEL      trace, debug, info, warn, error, critical, off (default info)
  --log-format text|json format of log lines on stderr (default text)
  -h, --help             this text
  --version              print the version

  status                 print the connected nodes and where their subscriptions stand
                         (ACKed versions, NACKs), from the admin server's /nodes
)");
}

absl::StatusOr<Options> parseOptions(int argc, const char* const* argv) {
  Options o;
  int i = 1;
  if (argc > 1 && std::string(argv[1]) == "status") {
    o.command = Options::Command::kStatus;
    i = 2;
  }
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline = true;
    }
    auto next = [&](std::string* out) -> absl::Status {
      if (has_inline) {
        *out = value;
      } else if (i + 1 < argc) {
        *out = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
      }
      return absl::OkStatus();
    };
    bool serve_only = true;
    absl::Status s;
    if (arg == "-h" || arg == "--help") {
      o.command = Options::Command::kHelp;
      return o;
    } else if (arg == "--version") {
      o.command = Options::Command::kVersion;
      return o;
    } else if (arg == "--admin") {
      serve_only = false;
      s = next(&o.admin);
    } else if (arg == "--listen") {
      s = next(&o.listen);
    } else if (arg == "--resources") {
      s = next(&o.resources_dir);
    } else if (arg == "--ca-dir") {
      s = next(&o.ca_dir);
    } else if (arg == "--ca-cert") {
      s = next(&o.ca_cert);
    } else if (arg == "--ca-key") {
      s = next(&o.ca_key);
    } else if (arg == "--trust-domain") {
      s = next(&o.trust_domain);
      if (s.ok() && (o.trust_domain.empty() || o.trust_domain.find('/') != std::string::npos)) {
        s = absl::InvalidArgumentError("--trust-domain must be a non-empty name without '/'");
      }
    } else if (arg == "--cert-ttl") {
      std::string text;
      s = next(&text);
      absl::Duration d;
      if (s.ok() && (!absl::ParseDuration(text, &d) || d < absl::Seconds(2))) {
        s = absl::InvalidArgumentError(
            absl::StrCat("--cert-ttl '", text, "': a duration of at least 2s, e.g. 2s, 30m, 24h"));
      }
      if (s.ok()) o.cert_ttl = std::chrono::seconds(absl::ToInt64Seconds(d));
    } else if (arg == "--log-level" || arg == "-l") {
      s = next(&o.log_level);
    } else if (arg == "--log-format") {
      s = next(&o.log_format);
      if (s.ok() && o.log_format != "text" && o.log_format != "json") {
        s = absl::InvalidArgumentError("--log-format must be text or json");
      }
    } else {
      s = absl::InvalidArgumentError(absl::StrCat("unknown option '", arg, "' (see --help)"));
    }
    if (!s.ok()) return s;
    if (serve_only && o.command == Options::Command::kStatus) {
      return absl::InvalidArgumentError(absl::StrCat("status takes only --admin, not ", arg));
    }
  }
  if (auto a = network::Address::parse(o.admin); !a.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--admin: ", a.status().message()));
  }
  if (o.command == Options::Command::kStatus) return o;
  if (o.listen.empty()) return absl::InvalidArgumentError("--listen HOST:PORT is required");
  if (absl::StartsWith(o.listen, "unix:")) {
    // A Unix domain socket, as istio-agent serves its sidecar (gRPC's own address syntax).
    if (auto a = network::Address::fromPipe(o.listen.substr(5)); !a.ok())
      return absl::InvalidArgumentError(absl::StrCat("--listen: ", a.status().message()));
  } else if (auto a = network::Address::parse(o.listen); !a.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--listen: ", a.status().message()));
  }
  if (o.resources_dir.empty()) return absl::InvalidArgumentError("--resources DIR is required");
  if (o.ca_cert.empty() != o.ca_key.empty()) {
    return absl::InvalidArgumentError("--ca-cert and --ca-key go together");
  }
  if (!o.ca_cert.empty() && !o.ca_dir.empty()) {
    return absl::InvalidArgumentError("--ca-dir or --ca-cert/--ca-key, not both");
  }
  return o;
}

}  // namespace meshproxy::xds_server
