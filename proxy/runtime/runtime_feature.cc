#include "proxy/runtime/runtime_feature.h"

#include "envoy/config/core/v3/base.pb.h"

namespace meshproxy::runtime {

absl::StatusOr<FractionalFeature> translateRuntimeFractionalPercent(
    const envoy::config::core::v3::RuntimeFractionalPercent& proto) {
  if (!proto.has_default_value()) {
    return absl::InvalidArgumentError("RuntimeFractionalPercent.default_value is required");
  }
  auto value = translateFractionalPercent(proto.default_value());
  if (!value.ok()) return value.status();
  return FractionalFeature(Key(proto.runtime_key()), *value);
}

absl::StatusOr<FeatureFlag> translateRuntimeFeatureFlag(
    const envoy::config::core::v3::RuntimeFeatureFlag& proto) {
  if (!proto.has_default_value()) {
    return absl::InvalidArgumentError("RuntimeFeatureFlag.default_value is required");
  }
  if (proto.runtime_key().empty()) {
    return absl::InvalidArgumentError("RuntimeFeatureFlag.runtime_key must not be empty");
  }
  return FeatureFlag(Key(proto.runtime_key()), proto.default_value().value());
}

}  // namespace meshproxy::runtime
