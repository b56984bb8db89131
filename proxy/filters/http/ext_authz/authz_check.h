#pragma once

#include <google/protobuf/struct.pb.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshproxy {
struct WorkerContext;
namespace accesslog {
struct StreamInfo;
}
namespace http {
class HeaderMap;
}
namespace network {
class Connection;
}
}  // namespace meshproxy

// One authorization check, whatever carries it (http_authz_client.h, grpc_authz_client.h): what
// the filter hands over, and the answer in one shape the filter applies.
namespace meshproxy::filters::ext_authz {

struct CheckInput {
  const http::HeaderMap* headers = nullptr;
  const network::Connection* connection = nullptr;
  const accesslog::StreamInfo* info = nullptr;
  std::string body;        // with_request_body: what was buffered (maybe cut at max_request_bytes)
  uint64_t body_size = 0;  // of the whole request as far as known (content-length or buffered)
  const std::map<std::string, std::string>* context_extensions = nullptr;
};

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

struct AuthzResponse {
  enum class Status : uint8_t { kOk, kDenied, kError };
  Status status = Status::kError;
  // kOk: changes to the request going upstream, and headers for the client's response.
  HeaderPairs headers_to_set;
  HeaderPairs headers_to_append;
  std::vector<std::string> headers_to_remove;
  HeaderPairs response_headers_to_add;
  // kDenied: the local reply.
  uint32_t http_status = 403;
  HeaderPairs denied_headers;
  std::string body;
  // gRPC CheckResponse.dynamic_metadata (namespace "envoy.filters.http.ext_authz").
  google::protobuf::Struct dynamic_metadata;
  std::string error;  // kError: why, for the debug log
};

class AuthzCallbacks {
 public:
  virtual ~AuthzCallbacks() = default;
  // Exactly once per check not cancelled; may run before check() returns.
  virtual void onAuthzComplete(AuthzResponse&& response) = 0;
};

// A per-stream client: one check at a time, cancelled by cancel() or by its destruction (on the
// worker the stream lives on).
class AuthzClient {
 public:
  virtual ~AuthzClient() = default;
  virtual void check(WorkerContext& worker, const CheckInput& input, AuthzCallbacks& callbacks) = 0;
  virtual void cancel() = 0;
};

}  // namespace meshproxy::filters::ext_authz
