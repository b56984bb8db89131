#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "proxy/config/translation_context.h"
#include "proxy/network/listener_config.h"
#include "proxy/protobuf/supported_fields.h"

namespace envoy::config::listener::v3 {
class Listener;
}

namespace meshproxy::config {

// Validates a Listener and builds its immutable runtime form (filter chain factories,
// stats). Does not bind anything: ListenerManager does that.
absl::StatusOr<std::shared_ptr<const network::ListenerConfig>> translateListener(
    const envoy::config::listener::v3::Listener& proto, TranslationContext& context);

// The stat name segment Envoy uses for a listener: stat_prefix, else the address with ':'
// replaced by '_' ("127.0.0.1_15001").
std::string listenerStatName(const envoy::config::listener::v3::Listener& proto);

// The Listener fields meshproxy implements (its filters' typed_configs are their own). For reports that list every unsupported field (--print-unsupported).
const protobuf::SupportedFields& listenerSupportedFields();

}  // namespace meshproxy::config
