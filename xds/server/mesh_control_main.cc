// mesh-control: the reference xDS control plane (see options.cc for the command line).
#include <cstdio>
#include <string>

#include "proxy/core/log.h"
#include "xds/server/control_plane.h"
#include "xds/server/inject_command.h"
#include "xds/server/options.h"
#include "xds/server/status_command.h"

int main(int argc, char** argv) {
  using namespace meshproxy;
  using xds_server::Options;
  // inject works on files only: it has its own options and never starts a server.
  if (argc > 1 && std::string(argv[1]) == "inject") {
    return xds_server::runInjectCommand(argc - 1, argv + 1);
  }
  auto options = xds_server::parseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "mesh-control: %s\n\n%s", std::string(options.status().message()).c_str(),
                 xds_server::usage().c_str());
    return 2;
  }
  switch (options->command) {
    case Options::Command::kHelp:
      std::fputs(xds_server::usage().c_str(), stdout);
      return 0;
    case Options::Command::kVersion:
      std::printf("mesh-control %s\n", MESHPROXY_VERSION);
      return 0;
    case Options::Command::kStatus:
      return xds_server::runStatusCommand(*options);
    case Options::Command::kServe:
      break;
  }
  if (auto s = log::setLevel(options->log_level); !s.ok()) {
    std::fprintf(stderr, "mesh-control: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  log::setFormat(options->log_format == "json" ? log::Format::kJson : log::Format::kText);
  xds_server::ControlPlane control_plane(*options);
  return control_plane.run();
}
