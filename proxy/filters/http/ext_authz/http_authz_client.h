#pragma once

#include "proxy/filters/http/ext_authz/authz_check.h"
#include "proxy/filters/http/ext_authz/ext_authz_config.h"
#include "proxy/upstream/async_http_client.h"

// ext_authz's HTTP service, as Envoy's raw HTTP client does it: the request's method, its path
// after path_prefix, the headers Envoy always sends (:authority, :method, :path, authorization)
// plus the allowed ones, headers_to_add, and the buffered body. A 200 allows (with the allowed
// upstream headers); any other answer is the denial the client gets (status, allowed client
// headers, body); no answer is an error.
namespace meshproxy::filters::ext_authz {

class HttpAuthzClient : public AuthzClient, private upstream::AsyncHttpCallbacks {
 public:
  // `config` is owned by the filter config, which outlives the stream.
  explicit HttpAuthzClient(const ExtAuthzConfig& config) : config_(config) {}

  void check(WorkerContext& worker, const CheckInput& input, AuthzCallbacks& callbacks) override;
  void cancel() override { handle_.cancel(); }

  // The answer of the service in the filter's terms (also for tests).
  static AuthzResponse toResponse(const HttpServiceConfig& service,
                                  const upstream::AsyncHttpResponse& response);

 private:
  void onSuccess(upstream::AsyncHttpResponse&& response) override;
  void onFailure(upstream::AsyncHttpFailure failure, std::string_view details) override;

  const ExtAuthzConfig& config_;
  AuthzCallbacks* callbacks_ = nullptr;
  upstream::AsyncHttpHandle handle_;
};

}  // namespace meshproxy::filters::ext_authz
