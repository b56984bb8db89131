// What the resource directory last gave: the set being served (the last one that loaded
// without errors) and the outcome of the latest attempt. Owned by the main loop thread; the
// admin page reads it there.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "xds/server/directory_loader.h"

namespace meshproxy::xds_server {

struct LoadState {
  std::string directory;
  std::shared_ptr<const DirectoryResources> serving;  // null until a load succeeds
  std::shared_ptr<const MeshSpec> mesh;               // of the serving set; null: no mesh.yaml
  uint64_t generation = 0;                            // successful loads so far
  size_t files = 0;                                   // files of the serving set
  absl::Time loaded_at = absl::InfinitePast();        // when `serving` was loaded
  absl::Time last_attempt_at = absl::InfinitePast();
  std::vector<LoadError> errors;      // of the latest attempt; non-empty: `serving` is older
  std::vector<std::string> warnings;  // of the latest attempt
};

}  // namespace meshproxy::xds_server
