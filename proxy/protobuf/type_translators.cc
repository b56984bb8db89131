#include "proxy/protobuf/type_translators.h"

#include <fmt/format.h>

#include "envoy/config/core/v3/base.pb.h"
#include "envoy/type/v3/percent.pb.h"
#include "envoy/type/v3/token_bucket.pb.h"

namespace meshproxy::protobuf {

const SupportedFields& typeTranslatorFields() {
  static const SupportedFields fields = {
      {"envoy.type.v3.FractionalPercent", {"numerator", "denominator"}},
      {"envoy.config.core.v3.RuntimeFractionalPercent", {"default_value", "runtime_key"}},
      {"envoy.config.core.v3.RuntimeFeatureFlag", {"default_value", "runtime_key"}},
      {"envoy.type.v3.TokenBucket", {"max_tokens", "tokens_per_fill", "fill_interval"}},
  };
  return fields;
}

absl::StatusOr<FractionalPercent> translateFractionalPercent(
    const envoy::type::v3::FractionalPercent& proto, std::string_view field) {
  using P = envoy::type::v3::FractionalPercent;
  FractionalPercent out;
  out.numerator = proto.numerator();
  switch (proto.denominator()) {
    case P::HUNDRED:
      out.denominator = 100;
      break;
    case P::TEN_THOUSAND:
      out.denominator = 10'000;
      break;
    case P::MILLION:
      out.denominator = 1'000'000;
      break;
    default:
      return absl::InvalidArgumentError(fmt::format("{}.denominator: unknown value {}", field,
                                                    static_cast<int>(proto.denominator())));
  }
  return out;
}

absl::StatusOr<FractionalPercent> translateRuntimeFractionalPercent(
    const envoy::config::core::v3::RuntimeFractionalPercent& proto, std::string_view field) {
  return translateFractionalPercent(proto.default_value(), fmt::format("{}.default_value", field));
}

absl::StatusOr<bool> translateRuntimeFeatureFlag(
    const envoy::config::core::v3::RuntimeFeatureFlag& proto, std::string_view field) {
  if (!proto.has_default_value()) {
    return absl::InvalidArgumentError(fmt::format("{}.default_value is required", field));
  }
  return proto.default_value().value();
}

absl::StatusOr<TokenBucketSpec> translateTokenBucket(const envoy::type::v3::TokenBucket& proto,
                                                     std::string_view field,
                                                     std::chrono::milliseconds min_fill_interval) {
  TokenBucketSpec spec;
  if (proto.max_tokens() == 0) {
    return absl::InvalidArgumentError(fmt::format("{}.max_tokens must be greater than 0", field));
  }
  spec.max_tokens = proto.max_tokens();
  spec.tokens_per_fill = proto.has_tokens_per_fill() ? proto.tokens_per_fill().value() : 1;
  if (spec.tokens_per_fill == 0) {
    return absl::InvalidArgumentError(
        fmt::format("{}.tokens_per_fill must be greater than 0", field));
  }
  if (!proto.has_fill_interval()) {
    return absl::InvalidArgumentError(fmt::format("{}.fill_interval is required", field));
  }
  const auto& d = proto.fill_interval();
  if (d.seconds() < 0 || d.nanos() < 0) {
    return absl::InvalidArgumentError(fmt::format("{}.fill_interval is negative", field));
  }
  spec.fill_interval = std::chrono::seconds(d.seconds()) + std::chrono::nanoseconds(d.nanos());
  if (spec.fill_interval <= std::chrono::nanoseconds::zero()) {
    return absl::InvalidArgumentError(fmt::format("{}.fill_interval must be positive", field));
  }
  if (spec.fill_interval < min_fill_interval) {
    return absl::InvalidArgumentError(
        fmt::format("{}.fill_interval must be at least {} ms", field, min_fill_interval.count()));
  }
  return spec;
}

}  // namespace meshproxy::protobuf
