#pragma once

#include <google/protobuf/any.pb.h>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/http/filter.h"
#include "proxy/protobuf/supported_fields.h"

namespace meshproxy::filters::router {

// envoy.filters.http.router: Router typed_config -> per-stream filter factory.
absl::StatusOr<http::HttpFilterFactory> createRouterFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);

// The Router fields meshproxy implements.
const protobuf::SupportedFields& routerSupportedFields();

}  // namespace meshproxy::filters::router
