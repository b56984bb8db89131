#include "tests/support/grpc_interop/pem_files.h"

#include <errno.h>
#include <string.h>

#include <fstream>
#include <sstream>

namespace meshproxy::grpc_interop {

bool readPemFile(const std::string& path, std::string* contents, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": " + strerror(errno);
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  *contents = text.str();
  if (contents->empty()) {
    *error = path + ": empty file";
    return false;
  }
  return true;
}

}  // namespace meshproxy::grpc_interop
