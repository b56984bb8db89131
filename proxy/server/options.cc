#include "proxy/server/options.h"

#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace meshproxy::server {

std::string usage() {
  return R"(Usage: meshproxy -c <bootstrap.yaml|json> [options]

A transparent service-mesh sidecar proxy driven by Envoy v3 configuration.

Options:
  -c, --config-path FILE     Envoy v3 Bootstrap in YAML or JSON (required)
  --concurrency N            worker threads (default: number of cores)
  -l, --log-level LEVEL      trace, debug, info, warn, error, critical, off (default info)
  --log-format text|json     format of log lines on stderr (default text)
  --admin-address HOST:PORT  admin server address (overrides admin.address)
  --service-node ID          node id (overrides node.id)
  --service-cluster NAME     node cluster (overrides node.cluster)
  --node-metadata KEY=VALUE  adds a string to node.metadata (repeatable), e.g. NAMESPACE=default
  --drain-time-s N           on SIGTERM/SIGINT, seconds open connections may take to finish
                             (default 5)
  --mode serve|validate      validate: load and translate the config without opening sockets
                             or starting workers; print a summary, exit 0 (valid) or 1
  -h, --help                 this text
  --version                  print the version
)";
}

std::string versionString() { return absl::StrCat("meshproxy ", MESHPROXY_VERSION); }

absl::StatusOr<Options> parseOptions(int argc, const char* const* argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
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
        return absl::OkStatus();
      }
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
      *out = argv[++i];
      return absl::OkStatus();
    };
    auto number = [&](uint32_t* out) -> absl::Status {
      std::string v;
      if (auto s = next(&v); !s.ok()) return s;
      if (!absl::SimpleAtoi(v, out)) {
        return absl::InvalidArgumentError(absl::StrCat(arg, ": '", v, "' is not a number"));
      }
      return absl::OkStatus();
    };
    absl::Status s;
    std::string v;
    if (arg == "-h" || arg == "--help") {
      o.help = true;
    } else if (arg == "--version") {
      o.version = true;
    } else if (arg == "-c" || arg == "--config-path") {
      s = next(&o.config_path);
    } else if (arg == "--concurrency") {
      s = number(&o.concurrency);
    } else if (arg == "-l" || arg == "--log-level") {
      s = next(&o.log_level);
    } else if (arg == "--log-format") {
      s = next(&o.log_format);
      if (s.ok() && o.log_format != "text" && o.log_format != "json") {
        s = absl::InvalidArgumentError("--log-format must be text or json");
      }
    } else if (arg == "--admin-address") {
      s = next(&v);
      o.admin_address = v;
    } else if (arg == "--service-node") {
      s = next(&v);
      o.service_node = v;
    } else if (arg == "--service-cluster") {
      s = next(&v);
      o.service_cluster = v;
    } else if (arg == "--node-metadata") {
      s = next(&v);
      size_t eq = v.find('=');
      if (s.ok() && (eq == std::string::npos || eq == 0)) {
        s = absl::InvalidArgumentError(absl::StrCat("--node-metadata: expected KEY=VALUE, got '", v, "'"));
      } else if (s.ok()) {
        o.node_metadata.emplace_back(v.substr(0, eq), v.substr(eq + 1));
      }
    } else if (arg == "--drain-time-s") {
      s = number(&o.drain_time_s);
    } else if (arg == "--mode") {
      s = next(&o.mode);
      if (s.ok() && o.mode != "serve" && o.mode != "validate") {
        s = absl::InvalidArgumentError("--mode must be serve or validate");
      }
    } else {
      s = absl::InvalidArgumentError(absl::StrCat("unknown option '", arg, "' (see --help)"));
    }
    if (!s.ok()) return s;
  }
  if (o.help || o.version) return o;
  if (o.config_path.empty()) return absl::InvalidArgumentError("-c <config file> is required");
  if (o.concurrency == 0) {
    o.concurrency = std::max(1u, std::thread::hardware_concurrency());
  }
  return o;
}

}  // namespace meshproxy::server
