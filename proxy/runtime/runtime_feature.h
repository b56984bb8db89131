// Config fields that a runtime key can override, translated once: RuntimeFractionalPercent
// (route match runtime_fraction, filters' filter_enabled / filter_enforced) and
// RuntimeFeatureFlag. Evaluating one reads this thread's runtime snapshot by slot.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "proxy/runtime/fractional_percent.h"
#include "proxy/runtime/key.h"
#include "proxy/runtime/snapshot.h"

namespace envoy::config::core::v3 {
class RuntimeFractionalPercent;
class RuntimeFeatureFlag;
}  // namespace envoy::config::core::v3

namespace meshproxy::runtime {

// Envoy's RuntimeFractionalPercent: the value of `runtime_key` when set (a FractionalPercent,
// or an integer percentage), else `default_value`.
class FractionalFeature {
 public:
  FractionalFeature() = default;
  FractionalFeature(Key key, FractionalPercent default_value)
      : key_(std::move(key)), default_value_(default_value) {}

  // `random` is the stream's random value (Envoy passes the same one to every check of a
  // request, so a request is either in or out of a fraction consistently).
  bool enabled(uint64_t random) const {
    return Snapshot::current().featureEnabled(key_, default_value_, random);
  }
  const Key& key() const { return key_; }
  const FractionalPercent& defaultValue() const { return default_value_; }

 private:
  Key key_;
  FractionalPercent default_value_;
};

// Main thread: resolves the runtime key to its slot.
absl::StatusOr<FractionalFeature> translateRuntimeFractionalPercent(
    const envoy::config::core::v3::RuntimeFractionalPercent& proto);

// Envoy's RuntimeFeatureFlag: the boolean value of `runtime_key` when set, else default_value.
class FeatureFlag {
 public:
  FeatureFlag() = default;
  FeatureFlag(Key key, bool default_value) : key_(std::move(key)), default_value_(default_value) {}
  bool enabled() const { return Snapshot::current().getBoolean(key_, default_value_); }
  const Key& key() const { return key_; }

 private:
  Key key_;
  bool default_value_ = true;
};

// default_value is required, as in Envoy's validation rules.
absl::StatusOr<FeatureFlag> translateRuntimeFeatureFlag(
    const envoy::config::core::v3::RuntimeFeatureFlag& proto);

}  // namespace meshproxy::runtime
