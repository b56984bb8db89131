#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "proxy/route/header_mutations.h"

namespace google::protobuf {
template <typename T>
class RepeatedPtrField;
}
namespace envoy::config::core::v3 {
class HeaderValueOption;
}

namespace meshproxy::route {

// Config time: one level's *_headers_to_add and *_headers_to_remove. As in Envoy, pseudo-headers
// (":path", ...) and "host" may be neither added nor removed, `append` and `append_action` may
// not both be set, and every value must parse as a substitution format string.
absl::StatusOr<HeaderMutations> translateHeaderMutations(
    const google::protobuf::RepeatedPtrField<envoy::config::core::v3::HeaderValueOption>& to_add,
    const google::protobuf::RepeatedPtrField<std::string>& to_remove);

}  // namespace meshproxy::route
