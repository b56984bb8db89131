#pragma once

#include <random>
#include <string>

namespace meshproxy::http {

// A random (version 4) UUID for x-request-id, from the worker's own generator: no lock, no
// syscall per request.
std::string generateRequestId(std::mt19937_64& random);

}  // namespace meshproxy::http
