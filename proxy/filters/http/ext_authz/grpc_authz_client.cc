#include "proxy/filters/http/ext_authz/grpc_authz_client.h"

#include <google/protobuf/util/time_util.h>

#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "envoy/service/auth/v3/external_auth.pb.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/ascii_case.h"
#include "proxy/core/strings.h"
#include "proxy/core/worker_context.h"
#include "proxy/http/header_map.h"
#include "proxy/network/connection.h"
#include "proxy/network/ssl_connection_info.h"

namespace meshproxy::filters::ext_authz {

namespace auth = envoy::service::auth::v3;

namespace {

constexpr std::string_view kCheckPath = "/envoy.service.auth.v3.Authorization/Check";
// The gRPC message prefix: a compressed flag and a big-endian length.
constexpr size_t kGrpcPrefix = 5;

void setAddress(const network::Address& address, envoy::config::core::v3::Address& out) {
  if (address.isPipe()) {
    out.mutable_pipe()->set_path(address.pipePath());
    return;
  }
  auto* socket = out.mutable_socket_address();
  socket->set_address(address.ip());
  socket->set_port_value(address.port());
}

// Envoy's principal of a peer: its certificate's first URI SAN (the SPIFFE ID), else subject.
std::string principal(const std::vector<std::string>& uri_sans, const std::string& subject) {
  return uri_sans.empty() ? subject : uri_sans.front();
}

void addHeaders(
    const google::protobuf::RepeatedPtrField<envoy::config::core::v3::HeaderValueOption>& headers,
    HeaderPairs& set, HeaderPairs* append) {
  for (const auto& h : headers) {
    // `append` is deprecated for append_action, but it is what Envoy's ext_authz reads.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    const bool add = append != nullptr && h.has_append() && h.append().value();
#pragma GCC diagnostic pop
    (add ? *append : set).emplace_back(toLowerCopy(h.header().key()), h.header().value());
  }
}

}  // namespace

void buildCheckRequest(const ExtAuthzConfig& config, const CheckInput& input,
                       auth::CheckRequest& out) {
  auto* attributes = out.mutable_attributes();
  const network::Connection& connection = *input.connection;
  const network::SslConnectionInfo* ssl = connection.ssl().get();

  auto* source = attributes->mutable_source();
  setAddress(connection.remoteAddress(), *source->mutable_address());
  auto* destination = attributes->mutable_destination();
  setAddress(connection.localAddress(), *destination->mutable_address());
  if (ssl != nullptr) {
    if (ssl->peerCertificatePresented()) {
      source->set_principal(principal(ssl->peerUriSans(), ssl->peerSubject()));
      if (config.include_peer_certificate) source->set_certificate(ssl->urlEncodedPeerCertPem());
    }
    if (!ssl->localUriSans().empty()) destination->set_principal(ssl->localUriSans().front());
  }

  auto* request = attributes->mutable_request();
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  *request->mutable_time() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
  auto* http = request->mutable_http();
  const http::HeaderMap& headers = *input.headers;
  http->set_id(std::string(headers.get("x-request-id").value_or("")));
  http->set_method(std::string(headers.method()));
  http->set_path(std::string(headers.path()));
  http->set_host(std::string(headers.authority()));
  http->set_scheme(std::string(headers.scheme()));
  if (input.info != nullptr) http->set_protocol(std::string(input.info->protocol));
  http->set_size(static_cast<int64_t>(input.body_size));
  auto& map = *http->mutable_headers();
  for (const auto& [name, value] : headers.entries()) {
    if (config.allowed_headers.set() && !config.allowed_headers.matches(name)) continue;
    if (config.disallowed_headers.matches(name)) continue;
    // Repeated headers are joined with "," (Envoy's map form).
    auto [it, inserted] = map.try_emplace(name, value);
    if (!inserted) absl::StrAppend(&it->second, ",", value);
  }
  if (!input.body.empty()) {
    if (config.with_request_body && config.with_request_body->pack_as_bytes) {
      http->set_raw_body(input.body);
    } else {
      http->set_body(input.body);
    }
  }
  if (input.context_extensions != nullptr) {
    for (const auto& [key, value] : *input.context_extensions) {
      (*attributes->mutable_context_extensions())[key] = value;
    }
  }
}

AuthzResponse fromCheckResponse(const auth::CheckResponse& response) {
  AuthzResponse out;
  if (response.status().code() == 0) {
    out.status = AuthzResponse::Status::kOk;
    const auto& ok = response.ok_response();
    addHeaders(ok.headers(), out.headers_to_set, &out.headers_to_append);
    for (const auto& name : ok.headers_to_remove())
      out.headers_to_remove.push_back(toLowerCopy(name));
    addHeaders(ok.response_headers_to_add(), out.response_headers_to_add, nullptr);
  } else {
    out.status = AuthzResponse::Status::kDenied;
    const auto& denied = response.denied_response();
    // HttpStatus.code 0 (unset): Envoy's 403.
    out.http_status =
        denied.status().code() == 0 ? 403 : static_cast<uint32_t>(denied.status().code());
    addHeaders(denied.headers(), out.denied_headers, nullptr);
    out.body = denied.body();
  }
  out.dynamic_metadata = response.dynamic_metadata();
  return out;
}

void GrpcAuthzClient::check(WorkerContext& worker, const CheckInput& input,
                            AuthzCallbacks& callbacks) {
  callbacks_ = &callbacks;
  const GrpcServiceConfig& service = *config_.grpc;
  auth::CheckRequest request;
  buildCheckRequest(config_, input, request);
  const std::string message = request.SerializeAsString();
  std::string framed(kGrpcPrefix, '\0');
  const uint32_t length = static_cast<uint32_t>(message.size());
  framed[1] = static_cast<char>(length >> 24);
  framed[2] = static_cast<char>(length >> 16);
  framed[3] = static_cast<char>(length >> 8);
  framed[4] = static_cast<char>(length);
  framed += message;

  auto headers = std::make_unique<http::HeaderMap>();
  headers->set(":method", "POST");
  headers->set(":scheme", "http");
  headers->set(":path", kCheckPath);
  headers->set(":authority", service.authority);
  headers->set("content-type", "application/grpc");
  headers->set("te", "trailers");
  headers->set("grpc-timeout", absl::StrCat(service.timeout.count(), "m"));
  for (const auto& [name, value] : service.initial_metadata) headers->add(name, value);
  Buffer body;
  body.add(framed);
  upstream::AsyncHttpOptions options;
  options.timeout = service.timeout;
  if (worker.http_client == nullptr) {
    error("no async HTTP client on this worker");
    return;
  }
  worker.http_client->send(service.cluster, std::move(headers), std::move(body), *this, options,
                           handle_);
}

void GrpcAuthzClient::onSuccess(upstream::AsyncHttpResponse&& response) {
  if (response.status() != 200) {
    error(absl::StrCat("HTTP status ", response.status()));
    return;
  }
  // grpc-status in the trailers, or in the headers of a trailers-only response.
  const http::HeaderMap* status_source =
      response.trailers != nullptr ? response.trailers.get() : response.headers.get();
  const std::optional<std::string_view> grpc_status = status_source->get("grpc-status");
  int code = -1;
  if (!grpc_status || !absl::SimpleAtoi(toAbsl(*grpc_status), &code)) {
    error("no grpc-status");
    return;
  }
  if (code != 0) {
    error(absl::StrCat("grpc-status ", code, " ",
                       toAbsl(status_source->get("grpc-message").value_or(""))));
    return;
  }
  const std::string body = response.body.toString();
  if (body.size() < kGrpcPrefix || body[0] != 0) {
    error("malformed gRPC message");
    return;
  }
  const uint32_t length = (static_cast<uint32_t>(static_cast<uint8_t>(body[1])) << 24) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(body[2])) << 16) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(body[3])) << 8) |
                          static_cast<uint32_t>(static_cast<uint8_t>(body[4]));
  auth::CheckResponse check;
  if (body.size() != kGrpcPrefix + length ||
      !check.ParseFromArray(body.data() + kGrpcPrefix, static_cast<int>(length))) {
    error("malformed CheckResponse");
    return;
  }
  callbacks_->onAuthzComplete(fromCheckResponse(check));
}

void GrpcAuthzClient::onFailure(upstream::AsyncHttpFailure failure, std::string_view details) {
  error(absl::StrCat(toAbsl(upstream::toString(failure)), ": ", toAbsl(details)));
}

void GrpcAuthzClient::error(std::string why) {
  AuthzResponse out;
  out.status = AuthzResponse::Status::kError;
  out.error = std::move(why);
  callbacks_->onAuthzComplete(std::move(out));
}

}  // namespace meshproxy::filters::ext_authz
