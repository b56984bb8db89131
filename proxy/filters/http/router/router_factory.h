#pragma once

#include <google/protobuf/any.pb.h>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/http/filter.h"

namespace meshproxy::filters::router {

// envoy.filters.http.router: Router typed_config -> per-stream filter factory.
absl::StatusOr<http::HttpFilterFactory> createRouterFactory(const google::protobuf::Any& typed_config,
                                                            config::TranslationContext& context);

}  // namespace meshproxy::filters::router
