// Turns a parsed Any into a Resource: resolves its type, finds its name, canonicalizes its
// bytes and hashes them.
#pragma once

#include <google/protobuf/any.pb.h>

#include <string>

#include "absl/status/statusor.h"
#include "xds/server/resource.h"

namespace meshproxy::xds_server {

// Errors (InvalidArgument): the type is not compiled into this binary, the bytes do not parse
// as it, the type has no string `name` field (`cluster_name` for ClusterLoadAssignment), or
// the name is empty.
absl::StatusOr<Resource> buildResource(const google::protobuf::Any& any, std::string source);

}  // namespace meshproxy::xds_server
