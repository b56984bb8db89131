#include "proxy/http/local_reply.h"

#include <fmt/format.h>

namespace meshproxy::http {

namespace {
constexpr std::string_view kGrpcContentType = "application/grpc";
}  // namespace

bool isGrpcRequest(const HeaderMap& request_headers) {
  const std::string_view type = request_headers.get("content-type").value_or("");
  if (type.substr(0, kGrpcContentType.size()) != kGrpcContentType) return false;
  return type.size() == kGrpcContentType.size() || type[kGrpcContentType.size()] == '+';
}

uint32_t httpToGrpcStatus(uint32_t http_status) {
  switch (http_status) {
    case 400:
      return 13;  // INTERNAL
    case 401:
      return 16;  // UNAUTHENTICATED
    case 403:
      return 7;  // PERMISSION_DENIED
    case 404:
      return 12;  // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;  // UNAVAILABLE
    default:
      return 2;  // UNKNOWN
  }
}

std::string percentEncodeGrpcMessage(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e || c == '%') {
      fmt::format_to(std::back_inserter(out), "%{:02X}", byte);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

LocalReply makeLocalReply(const HeaderMap* request_headers, uint32_t status, std::string_view body,
                          std::string_view details, std::optional<uint32_t> grpc_status) {
  LocalReply reply;
  reply.headers = std::make_unique<HeaderMap>();
  HeaderMap& h = *reply.headers;
  const bool head = request_headers != nullptr && request_headers->method() == "HEAD";
  if (request_headers != nullptr && isGrpcRequest(*request_headers)) {
    // Trailers-only: a gRPC client reads the outcome from grpc-status, never from :status.
    h.addLowercase(std::string(headers::kStatus), "200");
    h.addLowercase("content-type", std::string(kGrpcContentType));
    h.addLowercase("grpc-status", std::to_string(grpc_status.value_or(httpToGrpcStatus(status))));
    if (!body.empty() && !head) h.addLowercase("grpc-message", percentEncodeGrpcMessage(body));
  } else {
    h.addLowercase(std::string(headers::kStatus), std::to_string(status));
    if (!body.empty()) h.addLowercase("content-type", "text/plain");
    h.addLowercase("content-length", std::to_string(body.size()));
    if (!head) reply.body = std::string(body);
  }
  if (!details.empty()) h.addLowercase("x-meshproxy-reason", std::string(details));
  return reply;
}

}  // namespace meshproxy::http
