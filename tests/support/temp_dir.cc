#include "tests/support/temp_dir.h"

#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "gtest/gtest.h"

namespace meshproxy::testing {
namespace {

std::string makeTempDir() {
  const char* tmpdir = getenv("TMPDIR");
  std::vector<std::string> bases;
  if (tmpdir != nullptr && tmpdir[0] != '\0') bases.emplace_back(tmpdir);
  bases.emplace_back("/tmp");
  for (const std::string& base : bases) {
    std::string pattern = base + "/meshproxy-test-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) return pattern;
  }
  return "";
}

}  // namespace

TempDir::TempDir() : path_(makeTempDir()) {
  if (path_.empty()) ADD_FAILURE() << "TempDir: mkdtemp failed under $TMPDIR and /tmp";
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  const char* keep = getenv("MESHPROXY_KEEP_TEST_DIRS");
  if (keep != nullptr && keep[0] != '\0') {
    fprintf(stderr, "[meshproxy-testing] keeping test dir %s\n", path_.c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::filePath(std::string_view name) const {
  std::string path = path_;
  path += '/';
  path += name;
  return path;
}

std::string TempDir::writeFile(std::string_view name, std::string_view content) const {
  std::string path = filePath(name);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) ADD_FAILURE() << "TempDir: cannot write " << path;
  return path;
}

std::string TempDir::makeSubdir(std::string_view name) const {
  std::string path = filePath(name);
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) ADD_FAILURE() << "TempDir: cannot create " << path << ": " << ec.message();
  return path;
}

}  // namespace meshproxy::testing
