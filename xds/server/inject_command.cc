#include "xds/server/inject_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "xds/server/sidecar_injector.h"

namespace meshproxy::xds_server {
namespace {

constexpr char kUsage[] =
    R"(Usage: mesh-control inject -f FILE [-o FILE] [--image IMAGE] [--proxy-uid UID]

Adds the meshproxy sidecar (init container meshproxy-init running meshproxy-iptables, and
the meshproxy container as uid 1337) to every pod template in FILE, like
`istioctl kube-inject`. FILE "-" reads stdin; the result goes to stdout or -o FILE:
  mesh-control inject -f deployment.yaml | kubectl apply -f -

  -f, --filename FILE   Kubernetes YAML (one or more documents)
  -o, --output FILE     where to write the result (default stdout)
  --image IMAGE         image holding meshproxy and meshproxy-iptables (default meshproxy:dev)
  --proxy-uid UID       uid and gid of the proxy, never captured (default 1337)

Per pod (template annotations): sidecar.meshproxy.io/inject: "false" skips it;
traffic.meshproxy.io/{includeInboundPorts,excludeInboundPorts,includeOutboundIPRanges,
excludeOutboundIPRanges,excludeOutboundPorts} become meshproxy-iptables -b/-d/-i/-x/-o.
)";

int usageError(const std::string& message) {
  std::fprintf(stderr, "mesh-control inject: %s\n\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int runInjectCommand(int argc, const char* const* argv) {
  std::string input, output;
  InjectOptions options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc) return usageError(arg + " needs a value");
    std::string value = argv[++i];
    if (arg == "-f" || arg == "--filename") {
      input = value;
    } else if (arg == "-o" || arg == "--output") {
      output = value;
    } else if (arg == "--image") {
      options.image = value;
    } else if (arg == "--proxy-uid") {
      try {
        options.proxy_uid = std::stoi(value);
      } catch (...) {
        return usageError("--proxy-uid: not a number: " + value);
      }
    } else {
      return usageError("unknown option " + arg);
    }
  }
  if (input.empty()) return usageError("-f FILE is required");
  std::stringstream text;
  if (input == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(input);
    if (!in) {
      std::fprintf(stderr, "mesh-control inject: cannot read %s\n", input.c_str());
      return 1;
    }
    text << in.rdbuf();
  }
  auto injected = injectSidecars(text.str(), options);
  if (!injected.ok()) {
    std::fprintf(stderr, "mesh-control inject: %s: %s\n", input.c_str(),
                 std::string(injected.status().message()).c_str());
    return 1;
  }
  if (output.empty()) {
    std::fputs(injected->c_str(), stdout);
    return 0;
  }
  std::ofstream out(output, std::ios::trunc);
  out << *injected;
  if (!out.flush()) {
    std::fprintf(stderr, "mesh-control inject: cannot write %s\n", output.c_str());
    return 1;
  }
  return 0;
}

}  // namespace meshproxy::xds_server
