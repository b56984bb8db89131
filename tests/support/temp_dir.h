// A private temporary directory for one test, removed when it goes out of scope.
#pragma once

#include <string>
#include <string_view>

namespace meshproxy::testing {

// Created with mkdtemp under $TMPDIR (or /tmp). The destructor removes it recursively, unless
// the environment variable MESHPROXY_KEEP_TEST_DIRS is set to a non-empty value (then its path
// is printed to stderr so it can be inspected).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Absolute path of the directory (empty if it could not be created; the test then fails).
  const std::string& path() const { return path_; }

  // path() + "/" + name; does not create anything.
  std::string filePath(std::string_view name) const;

  // Writes content to path()/name (creating parent directories), returns the full path.
  // On error the current test fails and the path is still returned.
  std::string writeFile(std::string_view name, std::string_view content) const;

  // Creates path()/name (and parents), returns the full path.
  std::string makeSubdir(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace meshproxy::testing
