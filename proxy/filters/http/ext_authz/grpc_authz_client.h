#pragma once

#include <string>

#include "proxy/filters/http/ext_authz/authz_check.h"
#include "proxy/filters/http/ext_authz/ext_authz_config.h"
#include "proxy/upstream/async_http_client.h"

namespace envoy::service::auth::v3 {
class CheckRequest;
class CheckResponse;
}  // namespace envoy::service::auth::v3

// ext_authz's gRPC service: envoy.service.auth.v3.Authorization/Check as one unary call over
// the worker's async HTTP client (the cluster must speak HTTP/2). The CheckRequest carries
// Envoy's attribute context: source and destination (address, and the SPIFFE ID or subject of
// their certificates under mTLS), the request (id, method, headers, path, host, scheme,
// protocol, size, body) and the route's context_extensions.
namespace meshproxy::filters::ext_authz {

// The attribute context of a request (also for tests).
void buildCheckRequest(const ExtAuthzConfig& config, const CheckInput& input,
                       envoy::service::auth::v3::CheckRequest& out);

// A CheckResponse in the filter's terms: status OK allows with ok_response's header changes;
// any other status denies with denied_response (403 when it says nothing).
AuthzResponse fromCheckResponse(const envoy::service::auth::v3::CheckResponse& response);

class GrpcAuthzClient : public AuthzClient, private upstream::AsyncHttpCallbacks {
 public:
  explicit GrpcAuthzClient(const ExtAuthzConfig& config) : config_(config) {}

  void check(WorkerContext& worker, const CheckInput& input, AuthzCallbacks& callbacks) override;
  void cancel() override { handle_.cancel(); }

 private:
  void onSuccess(upstream::AsyncHttpResponse&& response) override;
  void onFailure(upstream::AsyncHttpFailure failure, std::string_view details) override;
  void error(std::string why);

  const ExtAuthzConfig& config_;
  AuthzCallbacks* callbacks_ = nullptr;
  upstream::AsyncHttpHandle handle_;
};

}  // namespace meshproxy::filters::ext_authz
