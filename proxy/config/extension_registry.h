#pragma once

#include <functional>
#include <string_view>

#include <google/protobuf/any.pb.h>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/http/filter.h"

namespace meshproxy::config {

// Turns an HTTP filter's typed_config into the factory that adds it to each stream.
using HttpFilterTranslator = std::function<absl::StatusOr<http::HttpFilterFactory>(
    const google::protobuf::Any& typed_config, TranslationContext& context)>;

// nullptr for a type URL meshproxy does not implement.
const HttpFilterTranslator* findHttpFilter(std::string_view type_url);

}  // namespace meshproxy::config
