#include "proxy/runtime/fractional_percent.h"

#include "absl/strings/str_cat.h"
#include "envoy/type/v3/percent.pb.h"

namespace meshproxy::runtime {

absl::StatusOr<FractionalPercent> translateFractionalPercent(
    const envoy::type::v3::FractionalPercent& proto) {
  FractionalPercent out;
  out.numerator = proto.numerator();
  switch (proto.denominator()) {
    case envoy::type::v3::FractionalPercent::HUNDRED:
      out.denominator = 100;
      break;
    case envoy::type::v3::FractionalPercent::TEN_THOUSAND:
      out.denominator = 10000;
      break;
    case envoy::type::v3::FractionalPercent::MILLION:
      out.denominator = 1000000;
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("unknown FractionalPercent denominator ", proto.denominator()));
  }
  return out;
}

uint32_t denominatorFromName(std::string_view name) {
  if (name == "HUNDRED") return 100;
  if (name == "TEN_THOUSAND") return 10000;
  if (name == "MILLION") return 1000000;
  return 0;
}

}  // namespace meshproxy::runtime
