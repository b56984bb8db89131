#include "proxy/http/grpc_timeout.h"

#include <cstdint>

namespace meshproxy::http {
namespace {

constexpr uint64_t kMaxGrpcTimeoutValue = 99999999;  // 8 digits, gRPC's PROTOCOL-HTTP2.md

// `count` of `divisor`-ths of a second, rounded up to whole milliseconds.
std::chrono::milliseconds roundUpMs(uint64_t count, uint64_t per_ms) {
  return std::chrono::milliseconds((count + per_ms - 1) / per_ms);
}

}  // namespace

std::optional<std::chrono::milliseconds> parseGrpcTimeout(std::string_view value) {
  if (value.size() < 2 || value.size() > 9) return std::nullopt;
  uint64_t n = 0;
  for (char c : value.substr(0, value.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n > kMaxGrpcTimeoutValue) return std::nullopt;  // unreachable with 8 digits; kept explicit
  switch (value.back()) {
    case 'H':
      return std::chrono::hours(n);
    case 'M':
      return std::chrono::minutes(n);
    case 'S':
      return std::chrono::seconds(n);
    case 'm':
      return std::chrono::milliseconds(n);
    case 'u':
      return roundUpMs(n, 1000);
    case 'n':
      return roundUpMs(n, 1000000);
    default:
      return std::nullopt;
  }
}

std::optional<std::chrono::milliseconds> grpcTimeout(const HeaderMap& headers) {
  auto value = headers.get(kGrpcTimeoutHeader);
  if (!value.has_value()) return std::nullopt;
  return parseGrpcTimeout(*value);
}

void setGrpcTimeout(HeaderMap& headers, std::chrono::milliseconds timeout) {
  uint64_t value = timeout.count() > 0 ? static_cast<uint64_t>(timeout.count()) : 0;
  char unit = 'm';
  if (value > kMaxGrpcTimeoutValue) {
    value /= 1000;
    unit = 'S';
  }
  while (value > kMaxGrpcTimeoutValue) {
    if (unit == 'H') {
      value = kMaxGrpcTimeoutValue;
    } else {
      value /= 60;
      unit = unit == 'S' ? 'M' : 'H';
    }
  }
  // At most 8 digits and the unit: no allocation beyond the header's own copy.
  char buf[16];
  char* end = buf + sizeof(buf);
  char* p = end;
  *--p = unit;
  do {
    *--p = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  headers.set(kGrpcTimeoutHeader, std::string_view(p, static_cast<size_t>(end - p)));
}

}  // namespace meshproxy::http
