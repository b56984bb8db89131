#pragma once

#include <google/protobuf/any.pb.h>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/http/conn_manager_config.h"
#include "proxy/network/filter.h"
#include "proxy/protobuf/supported_fields.h"

namespace envoy::extensions::filters::network::http_connection_manager::v3 {
class HttpConnectionManager;
}

namespace meshproxy::filters::hcm {

// HttpConnectionManager proto -> the immutable config every connection shares.
absl::StatusOr<std::shared_ptr<const http::ConnManagerConfig>> translateHttpConnectionManager(
    const envoy::extensions::filters::network::http_connection_manager::v3::HttpConnectionManager& proto,
    config::TranslationContext& context);

// envoy.filters.network.http_connection_manager typed_config -> per-connection factory.
absl::StatusOr<network::NetworkFilterFactory> createHttpConnectionManagerFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);

// The HttpConnectionManager fields meshproxy implements (route_config is delegated). For reports that list every unsupported field (--print-unsupported).
const protobuf::SupportedFields& hcmSupportedFields();

}  // namespace meshproxy::filters::hcm
