#pragma once

#include <google/protobuf/any.pb.h>

#include <string>
#include <vector>

namespace meshproxy::server {

// One update of one resource type, in the form every config source can produce, so the
// stores need not know where it came from:
//  - a State-of-the-World response (ADS today; a path_config_source file, which holds a
//    DiscoveryResponse, later): `resources` is the whole set of a full-state type (LDS,
//    CDS: one left out is removed), or the ones the response carries of the others (RDS,
//    EDS, SDS: removal is by unsubscribing);
//  - a delta response (DELTA_GRPC, later): `resources` are added or changed ones, each with
//    its own version, and `removed` names the ones to drop.
struct ResourceUpdate {
  enum class Kind { kStateOfTheWorld, kDelta };

  static ResourceUpdate stateOfTheWorld(const std::vector<google::protobuf::Any>& resources,
                                        std::string version) {
    return ResourceUpdate{
        .kind = Kind::kStateOfTheWorld, .resources = &resources, .version = std::move(version)};
  }

  Kind kind = Kind::kStateOfTheWorld;
  const std::vector<google::protobuf::Any>* resources = nullptr;
  // version_info of a SotW response (system_version_info of a delta one): what each resource
  // records as its version unless `resource_versions` gives its own.
  std::string version;
  // Delta: the version of each resource, parallel to `resources` (empty: use `version`).
  std::vector<std::string> resource_versions;
  // Delta: the names removed.
  std::vector<std::string> removed;

  const std::string& versionOf(size_t index) const {
    return index < resource_versions.size() ? resource_versions[index] : version;
  }
};

// What an update changed in one store, by name. Kept for the snapshot builder's successor
// that patches only these (issue 19); today the builder compares object identity.
struct ChangeSet {
  std::vector<std::string> updated;    // new or changed (active now, or warming)
  std::vector<std::string> activated;  // became active (at once, or after warming)
  std::vector<std::string> removed;    // gone, or kept only while referenced / draining
};

}  // namespace meshproxy::server
