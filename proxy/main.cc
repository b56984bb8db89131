#include <cstdio>

#include "proxy/core/crash_handler.h"
#include "proxy/core/log.h"
#include "proxy/server/options.h"
#include "proxy/server/server.h"
#include "proxy/server/validate_mode.h"

int main(int argc, char** argv) {
  using namespace meshproxy;
  installCrashHandler();
  auto options = server::parseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "meshproxy: %s\n\n%s", std::string(options.status().message()).c_str(),
                 server::usage().c_str());
    return 2;
  }
  if (options->help) {
    std::fputs(server::usage().c_str(), stdout);
    return 0;
  }
  if (options->version) {
    std::printf("%s\n", server::versionString().c_str());
    return 0;
  }
  if (auto s = log::setLevel(options->log_level); !s.ok()) {
    std::fprintf(stderr, "meshproxy: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  log::setFormat(options->log_format == "json" ? log::Format::kJson : log::Format::kText);
  if (options->mode == "validate") return server::runValidateMode(*options);
  server::Server server(*options);
  return server.run();
}
