#include "xds/server/directory_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "xds/server/resource_file_parser.h"

namespace meshproxy::xds_server {
namespace {

namespace fs = std::filesystem;

bool isHidden(const fs::path& path) { return path.filename().string().starts_with("."); }

bool isResourceFileName(const fs::path& path) {
  std::string ext = path.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Directory entries sorted by name, so loads (and their errors) come in a stable order.
std::vector<fs::path> sortedEntries(const fs::path& dir, std::error_code& ec) {
  std::vector<fs::path> out;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class Loader {
 public:
  explicit Loader(DirectoryLoad& out) : out_(out) {}

  // Loads every resource file directly in `dir` into `scope`.
  void loadScope(const fs::path& dir, TypeMap& scope) {
    std::error_code ec;
    auto entries = sortedEntries(dir, ec);
    if (ec) {
      out_.errors.push_back({dir.string(), ec.message()});
      return;
    }
    for (const auto& path : entries) {
      if (isHidden(path)) continue;
      // is_directory/is_regular_file follow symlinks (ConfigMap volumes are symlink farms).
      if (fs::is_directory(path, ec)) {
        out_.warnings.push_back(
            absl::StrCat(path.string(), ": ignored (subdirectories are not searched)"));
        continue;
      }
      if (!isResourceFileName(path) || !fs::is_regular_file(path, ec)) {
        out_.warnings.push_back(
            absl::StrCat(path.string(), ": ignored (not a .yaml, .yml or .json file)"));
        continue;
      }
      loadFile(path.string(), scope);
    }
  }

 private:
  void loadFile(const std::string& file, TypeMap& scope) {
    ++out_.files;
    auto resources = parseResourceFile(file);
    if (!resources.ok()) {
      out_.errors.push_back({file, std::string(resources.status().message())});
      return;
    }
    for (auto& resource : *resources) {
      ResourceMap& of_type = scope[resource.type_url];
      auto [it, inserted] = of_type.try_emplace(resource.name, nullptr);
      if (!inserted) {
        out_.errors.push_back(
            {file, absl::StrCat("duplicate ", resource.type_url, " '", resource.name, "' (also in ",
                                it->second->source, ")")});
        continue;
      }
      it->second = std::make_shared<const Resource>(std::move(resource));
    }
  }

  DirectoryLoad& out_;
};

}  // namespace

constexpr char kMeshFile[] = "mesh.yaml";

DirectoryLoad loadResourceDirectory(const std::string& root_name) {
  DirectoryLoad out;
  fs::path root(root_name);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    out.errors.push_back({root_name, "not a directory"});
    return out;
  }
  Loader loader(out);
  TypeMap all;
  std::map<std::string, TypeMap> by_node;

  auto entries = sortedEntries(root, ec);
  if (ec) out.errors.push_back({root_name, ec.message()});
  for (const auto& path : entries) {
    std::string name = path.filename().string();
    if (isHidden(path) || name == "all" || name == "nodes" || name == kMeshFile) continue;
    if (fs::is_directory(path, ec) || isResourceFileName(path)) {
      out.warnings.push_back(
          absl::StrCat(path.string(), ": ignored (resources go in all/ or nodes/<node-id>/)"));
    }
  }
  if (fs::is_directory(root / "all", ec)) loader.loadScope(root / "all", all);
  if (fs::is_directory(root / "nodes", ec)) {
    auto nodes = sortedEntries(root / "nodes", ec);
    if (ec) out.errors.push_back({(root / "nodes").string(), ec.message()});
    for (const auto& path : nodes) {
      if (isHidden(path)) continue;
      if (!fs::is_directory(path, ec)) {
        out.warnings.push_back(
            absl::StrCat(path.string(), ": ignored (nodes/ holds one directory per node id)"));
        continue;
      }
      loader.loadScope(path, by_node[path.filename().string()]);
    }
  }
  if (fs::is_regular_file(root / kMeshFile, ec)) {
    std::ifstream in(root / kMeshFile);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      out.errors.push_back({(root / kMeshFile).string(), "cannot read"});
    } else if (auto mesh = parseMeshSpec(text.str()); !mesh.ok()) {
      out.errors.push_back({(root / kMeshFile).string(), std::string(mesh.status().message())});
    } else {
      out.mesh = std::make_shared<const MeshSpec>(std::move(*mesh));
      ++out.files;
    }
  }
  if (out.errors.empty()) {
    out.resources = std::make_shared<const DirectoryResources>(std::move(all), std::move(by_node));
  }
  return out;
}

}  // namespace meshproxy::xds_server
