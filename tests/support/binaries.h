// Paths of built binaries and of files in the source tree, for tests.
#pragma once

#include <string>
#include <string_view>

#ifndef MESHPROXY_BIN_DIR
#error "MESHPROXY_BIN_DIR must be defined (tests/CMakeLists.txt sets it)"
#endif
#ifndef MESHPROXY_SOURCE_DIR
#error "MESHPROXY_SOURCE_DIR must be defined (tests/CMakeLists.txt sets it)"
#endif

namespace meshproxy::testing {

// MESHPROXY_BIN_DIR + "/" + name, e.g. binPath("meshproxy").
inline std::string binPath(std::string_view name) {
  std::string path = MESHPROXY_BIN_DIR;
  path += '/';
  path += name;
  return path;
}

// MESHPROXY_SOURCE_DIR + "/" + rel, e.g. sourcePath("deploy/examples/bootstrap.yaml").
inline std::string sourcePath(std::string_view rel) {
  std::string path = MESHPROXY_SOURCE_DIR;
  path += '/';
  path += rel;
  return path;
}

}  // namespace meshproxy::testing
