#include "proxy/filters/http/ext_authz/http_authz_client.h"

#include "absl/strings/str_cat.h"
#include "proxy/core/strings.h"
#include "proxy/core/worker_context.h"
#include "proxy/http/header_map.h"

namespace meshproxy::filters::ext_authz {

namespace {

// Always sent to the authorization server (Envoy's request matchers add these).
bool alwaysSent(std::string_view name) {
  return name == ":authority" || name == ":method" || name == ":path" || name == "authorization";
}

// On a denial with allowed_client_headers set, these go to the client too (Envoy's list).
bool alwaysToClient(std::string_view name) {
  return name == ":status" || name == "content-length" || name == "www-authenticate" ||
         name == "location";
}

// Framing and hop-by-hop headers of the authorization response that never reach anyone.
bool framing(std::string_view name) {
  return name == ":status" || name == "content-length" || name == "transfer-encoding" ||
         name == "connection" || name == "keep-alive";
}

}  // namespace

void HttpAuthzClient::check(WorkerContext& worker, const CheckInput& input,
                            AuthzCallbacks& callbacks) {
  callbacks_ = &callbacks;
  const HttpServiceConfig& service = *config_.http;
  auto headers = std::make_unique<http::HeaderMap>();
  headers->set(":method", input.headers->method());
  headers->set(":scheme", "http");
  headers->set(":path", absl::StrCat(service.path_prefix, toAbsl(input.headers->path())));
  // The original :authority, as Envoy sends it (the server may authorize by host).
  headers->set(":authority", input.headers->authority().empty()
                                 ? std::string_view(service.authority)
                                 : input.headers->authority());
  for (const auto& [name, value] : input.headers->entries()) {
    if (name.starts_with(':') || name == "content-length") continue;
    if (config_.disallowed_headers.matches(name)) continue;
    if (alwaysSent(name) || service.allowed_headers.matches(name) ||
        config_.allowed_headers.matches(name)) {
      headers->add(name, value);
    }
  }
  for (const auto& [name, value] : service.headers_to_add) headers->set(name, value);
  Buffer body;
  if (!input.body.empty()) body.add(input.body);
  headers->set("content-length", std::to_string(input.body.size()));
  upstream::AsyncHttpOptions options;
  options.timeout = service.timeout;
  if (worker.http_client == nullptr) {
    onFailure(upstream::AsyncHttpFailure::kNoCluster, "no async HTTP client on this worker");
    return;
  }
  worker.http_client->send(service.cluster, std::move(headers), std::move(body), *this, options,
                           handle_);
}

AuthzResponse HttpAuthzClient::toResponse(const HttpServiceConfig& service,
                                          const upstream::AsyncHttpResponse& response) {
  AuthzResponse out;
  const http::HeaderMap& headers = *response.headers;
  if (response.status() == 200) {
    out.status = AuthzResponse::Status::kOk;
    for (const auto& [name, value] : headers.entries()) {
      if (framing(name)) continue;
      if (service.allowed_upstream_headers.matches(name))
        out.headers_to_set.emplace_back(name, value);
      if (service.allowed_upstream_headers_to_append.matches(name)) {
        out.headers_to_append.emplace_back(name, value);
      }
      if (service.allowed_client_headers_on_success.matches(name)) {
        out.response_headers_to_add.emplace_back(name, value);
      }
    }
    return out;
  }
  out.status = AuthzResponse::Status::kDenied;
  out.http_status = response.status();
  for (const auto& [name, value] : headers.entries()) {
    if (framing(name)) continue;
    // Unset list: every header but the authority. Set: the list plus Envoy's fixed few.
    const bool allowed = service.allowed_client_headers.set()
                             ? service.allowed_client_headers.matches(name) || alwaysToClient(name)
                             : name != ":authority" && name != "host";
    if (allowed) out.denied_headers.emplace_back(name, value);
  }
  out.body = response.body.toString();
  return out;
}

void HttpAuthzClient::onSuccess(upstream::AsyncHttpResponse&& response) {
  callbacks_->onAuthzComplete(toResponse(*config_.http, response));
}

void HttpAuthzClient::onFailure(upstream::AsyncHttpFailure failure, std::string_view details) {
  AuthzResponse out;
  out.status = AuthzResponse::Status::kError;
  out.error = absl::StrCat(toAbsl(upstream::toString(failure)), ": ", toAbsl(details));
  callbacks_->onAuthzComplete(std::move(out));
}

}  // namespace meshproxy::filters::ext_authz
