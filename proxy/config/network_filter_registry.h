#pragma once

#include <functional>
#include <string_view>

#include <google/protobuf/any.pb.h>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/network/filter.h"

namespace meshproxy::config {

// Turns a network filter's typed_config into the factory that builds its per-connection
// instances. One per supported type URL (DESIGN.md rule 6).
using NetworkFilterTranslator = std::function<absl::StatusOr<network::NetworkFilterFactory>(
    const google::protobuf::Any& typed_config, TranslationContext& context)>;

// nullptr for a type URL meshproxy does not implement.
const NetworkFilterTranslator* findNetworkFilter(std::string_view type_url);

}  // namespace meshproxy::config
