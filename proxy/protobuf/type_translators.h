#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "proxy/core/fractional_percent.h"
#include "proxy/core/token_bucket.h"
#include "proxy/protobuf/supported_fields.h"

namespace envoy::type::v3 {
class FractionalPercent;
class TokenBucket;
}  // namespace envoy::type::v3
namespace envoy::config::core::v3 {
class RuntimeFractionalPercent;
class RuntimeFeatureFlag;
}  // namespace envoy::config::core::v3

// Config time: the small Envoy types the policy filters share. Errors name `field`.
//
// Runtime keys (RuntimeFractionalPercent.runtime_key, RuntimeFeatureFlag.runtime_key) are
// accepted: they name a value in Envoy's runtime layer, which meshproxy does not have, and an
// Envoy whose runtime does not set the key uses default_value, which is what meshproxy does.
namespace meshproxy::protobuf {

// The fields of the types below, for the callers' SupportedFields tables.
const SupportedFields& typeTranslatorFields();

absl::StatusOr<FractionalPercent> translateFractionalPercent(
    const envoy::type::v3::FractionalPercent& proto, std::string_view field);

// default_value; an unset default_value is 0%.
absl::StatusOr<FractionalPercent> translateRuntimeFractionalPercent(
    const envoy::config::core::v3::RuntimeFractionalPercent& proto, std::string_view field);

// default_value, which the proto requires.
absl::StatusOr<bool> translateRuntimeFeatureFlag(
    const envoy::config::core::v3::RuntimeFeatureFlag& proto, std::string_view field);

// max_tokens > 0; tokens_per_fill default 1, > 0; fill_interval required, >= `min_fill_interval`.
absl::StatusOr<TokenBucketSpec> translateTokenBucket(const envoy::type::v3::TokenBucket& proto,
                                                     std::string_view field,
                                                     std::chrono::milliseconds min_fill_interval);

}  // namespace meshproxy::protobuf
