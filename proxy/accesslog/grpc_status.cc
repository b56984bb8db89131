#include "proxy/accesslog/grpc_status.h"

#include <fmt/format.h>

#include <array>
#include <iterator>

#include "absl/strings/numbers.h"

namespace meshproxy::accesslog {
namespace {

struct Names {
  std::string_view camel;
  std::string_view snake;
};

// Envoy's Grpc::Utility names (note camel "Canceled", snake "CANCELLED").
constexpr std::array<Names, 17> kNames = {{
    {"OK", "OK"},
    {"Canceled", "CANCELLED"},
    {"Unknown", "UNKNOWN"},
    {"InvalidArgument", "INVALID_ARGUMENT"},
    {"DeadlineExceeded", "DEADLINE_EXCEEDED"},
    {"NotFound", "NOT_FOUND"},
    {"AlreadyExists", "ALREADY_EXISTS"},
    {"PermissionDenied", "PERMISSION_DENIED"},
    {"ResourceExhausted", "RESOURCE_EXHAUSTED"},
    {"FailedPrecondition", "FAILED_PRECONDITION"},
    {"Aborted", "ABORTED"},
    {"OutOfRange", "OUT_OF_RANGE"},
    {"Unimplemented", "UNIMPLEMENTED"},
    {"Internal", "INTERNAL"},
    {"Unavailable", "UNAVAILABLE"},
    {"DataLoss", "DATA_LOSS"},
    {"Unauthenticated", "UNAUTHENTICATED"},
}};

// Envoy's Grpc::Utility::httpToGrpcStatus.
int64_t httpToGrpcStatus(uint32_t http_status) {
  switch (http_status) {
    case 400:
      return 13;  // Internal
    case 401:
      return 16;  // Unauthenticated
    case 403:
      return 7;  // PermissionDenied
    case 404:
      return 12;  // Unimplemented
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;  // Unavailable
    default:
      return 2;  // Unknown
  }
}

std::optional<int64_t> statusIn(const HeaderLookup* headers) {
  if (headers == nullptr) return std::nullopt;
  std::optional<std::string_view> value = headers->get("grpc-status");
  if (!value) return std::nullopt;
  uint32_t code = 0;
  if (!absl::SimpleAtoi(absl::string_view(value->data(), value->size()), &code)) return -1;
  return code;
}

}  // namespace

absl::StatusOr<GrpcStatusFormat> parseGrpcStatusFormat(std::optional<std::string_view> arg) {
  if (!arg || arg->empty() || *arg == "CAMEL_STRING") return GrpcStatusFormat::kCamelString;
  if (*arg == "SNAKE_STRING") return GrpcStatusFormat::kSnakeString;
  if (*arg == "NUMBER") return GrpcStatusFormat::kNumber;
  return absl::InvalidArgumentError(
      fmt::format("%GRPC_STATUS({})%: the format is CAMEL_STRING, SNAKE_STRING or NUMBER", *arg));
}

std::optional<int64_t> grpcStatusOf(const StreamInfo& info) {
  if (info.request_headers == nullptr) return std::nullopt;
  std::optional<std::string_view> content_type = info.request_headers->get("content-type");
  if (!content_type || !content_type->starts_with("application/grpc")) return std::nullopt;
  if (auto s = statusIn(info.response_trailers)) return s;
  if (auto s = statusIn(info.response_headers)) return s;
  if (info.response_code == 0) return std::nullopt;
  return httpToGrpcStatus(info.response_code);
}

void appendGrpcStatus(int64_t status, GrpcStatusFormat format, std::string& out) {
  if (format == GrpcStatusFormat::kNumber || status < 0 ||
      status >= static_cast<int64_t>(kNames.size())) {
    if (format != GrpcStatusFormat::kNumber && status < 0) {
      out.append("InvalidCode");
      return;
    }
    fmt::format_to(std::back_inserter(out), "{}", status);
    return;
  }
  const Names& names = kNames[static_cast<size_t>(status)];
  out.append(format == GrpcStatusFormat::kCamelString ? names.camel : names.snake);
}

}  // namespace meshproxy::accesslog
