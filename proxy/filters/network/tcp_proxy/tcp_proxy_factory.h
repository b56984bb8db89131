#pragma once

#include <google/protobuf/any.pb.h>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/network/filter.h"

namespace meshproxy::filters::tcp_proxy {

// envoy.filters.network.tcp_proxy: TcpProxy typed_config -> per-connection filter factory.
absl::StatusOr<network::NetworkFilterFactory> createTcpProxyFactory(
    const google::protobuf::Any& typed_config, config::TranslationContext& context);

}  // namespace meshproxy::filters::tcp_proxy
