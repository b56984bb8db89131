// Loads a resource directory:
//   DIR/all/*.{yaml,yml,json}            resources for every node
//   DIR/nodes/<node-id>/*.{yaml,yml,json} resources for that node only (override `all`)
//   DIR/mesh.yaml                        optional high-level mesh (mesh_spec.h), from which
//                                        each node's Istio-style layout is generated
// All or nothing: any error (unreadable file, bad YAML, unknown @type or field, a resource
// without a name, the same type and name twice in one scope) means no resource set, so the
// caller keeps serving the previous one.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "xds/server/directory_resources.h"
#include "xds/server/mesh_spec.h"

namespace meshproxy::xds_server {

struct LoadError {
  std::string file;
  std::string message;
};

struct DirectoryLoad {
  std::shared_ptr<const DirectoryResources> resources;  // null when there are errors
  std::shared_ptr<const MeshSpec> mesh;                 // null without DIR/mesh.yaml
  std::vector<LoadError> errors;
  // Things skipped on purpose that the operator may not expect (a .yaml file directly in DIR,
  // a subdirectory of DIR/all, ...). Hidden entries (".name", e.g. Kubernetes' ..data) are
  // skipped without a word.
  std::vector<std::string> warnings;
  size_t files = 0;  // resource files read
};

DirectoryLoad loadResourceDirectory(const std::string& root);

}  // namespace meshproxy::xds_server
