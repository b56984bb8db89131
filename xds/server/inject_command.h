// `mesh-control inject -f FILE [-o FILE] [--image IMAGE]`: see sidecar_injector.h.
#pragma once

namespace meshproxy::xds_server {

// argv[0] is "inject". Returns the process exit code (0 ok, 1 bad input, 2 usage).
int runInjectCommand(int argc, const char* const* argv);

}  // namespace meshproxy::xds_server
