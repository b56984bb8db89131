#include "proxy/upstream/http_health_check_session.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "proxy/accesslog/stream_info.h"
#include "proxy/core/log.h"
#include "proxy/core/strings.h"
#include "proxy/http/http1/client_connection.h"
#include "proxy/http/http2/client_connection.h"
#include "proxy/upstream/grpc_health_check_codec.h"
#include "proxy/upstream/health_checker.h"

namespace meshproxy::upstream {

namespace {
// A health check answer is small; a larger gRPC body is a failure, not a memory sink.
constexpr size_t kMaxGrpcBody = 64 * 1024;
constexpr std::string_view kHealthCheckedCluster = "x-envoy-upstream-healthchecked-cluster";
}  // namespace

HttpHealthCheckSession::HttpHealthCheckSession(HealthChecker& parent, HostSharedPtr host)
    : HealthCheckSession(parent, std::move(host)) {}

HttpHealthCheckSession::~HttpHealthCheckSession() {
  in_flight_ = false;
  closeConnection();
}

bool HttpHealthCheckSession::grpc() const {
  return parent_.config().kind == HealthCheckConfig::Kind::kGrpc;
}

http::HeaderMap HttpHealthCheckSession::requestHeaders() const {
  const HealthCheckConfig& config = parent_.config();
  // Envoy's getHostname: the check's host, else the endpoint's hostname for health checks,
  // else the cluster name. gRPC: authority, else the same.
  std::string_view authority = grpc() ? config.authority : config.host;
  if (authority.empty()) authority = host_->healthCheckTarget().hostname;
  if (authority.empty()) authority = parent_.cluster().name;
  http::HeaderMap headers;
  headers.add(http::headers::kMethod, grpc() ? "POST" : "GET");
  headers.add(http::headers::kScheme,
              parent_.cluster().transportSocketFor(*host_) != nullptr ? "https" : "http");
  headers.add(http::headers::kAuthority, authority);
  headers.add(http::headers::kPath, grpc() ? kGrpcHealthCheckPath : std::string_view(config.path));
  headers.add("user-agent", "Envoy/HC");
  if (grpc()) {
    headers.add("content-type", "application/grpc");
    headers.add("te", "trailers");
  } else if (!config.request_headers.empty()) {
    accesslog::StreamInfo info;
    info.upstream_cluster = parent_.cluster().name;
    info.upstream_host = host_.get();
    info.request_headers = &headers;
    config.request_headers.apply(headers, info);
  }
  return headers;
}

void HttpHealthCheckSession::onInterval() {
  if (client_ == nullptr) {
    client_ =
        std::make_unique<HealthCheckConnection>(parent_.loop(), parent_.cluster(), *host_,
                                                static_cast<network::ConnectionCallbacks&>(*this));
    if (grpc()) {
      // The cluster's http2_protocol_options, as its pools use them.
      http::http2::Http2Settings settings = parent_.cluster().http2_settings;
      settings.loop = &parent_.loop();  // closed streams are freed after the current event
      client_->codec = std::make_unique<http::http2::ClientConnectionImpl>(*client_->connection,
                                                                           nullptr, settings);
    } else {
      http::http1::Http1Settings settings;
      settings.stream_buffer_limit = client_->connection->bufferLimit();
      client_->codec =
          std::make_unique<http::http1::ClientConnectionImpl>(*client_->connection, settings);
    }
  }
  response_headers_.reset();
  response_trailers_.reset();
  response_body_.clear();
  body_too_large_ = false;
  in_flight_ = true;
  encoder_ = &client_->codec->newStream(*this);
  encoder_->stream().addCallbacks(*this);
  http::HeaderMap headers = requestHeaders();
  if (grpc()) {
    encoder_->encodeHeaders(headers, false);
    Buffer body;
    body.add(encodeGrpcHealthCheckRequest(parent_.config().service_name));
    // The stream may have been reset by the header encoding already.
    if (in_flight_ && encoder_ != nullptr) encoder_->encodeData(body, true);
  } else {
    encoder_->encodeHeaders(headers, true);
  }
}

void HttpHealthCheckSession::onTimeout() {
  // The check is abandoned with its connection (Envoy closes the client on timeout).
  in_flight_ = false;
  closeConnection();
}

void HttpHealthCheckSession::closeConnection() {
  if (encoder_ != nullptr) {
    encoder_->stream().removeCallbacks(*this);
    encoder_ = nullptr;
  }
  HealthCheckConnection::release(parent_.loop(), client_);
}

void HttpHealthCheckSession::onData(Buffer& data, bool) {
  if (client_ == nullptr) {
    data.clear();
    return;
  }
  absl::Status status = client_->codec->dispatch(data);
  if (!status.ok()) {
    // The codec reset the stream (a NETWORK failure if a check was in flight).
    if (in_flight_) {
      in_flight_ = false;
      closeConnection();
      handleFailure(HealthCheckFailureType::kNetwork);
      return;
    }
    closeConnection();
  }
}

void HttpHealthCheckSession::onEvent(network::ConnectionEvent event) {
  if (event == network::ConnectionEvent::kConnected || client_ == nullptr) return;
  // Closed: a close-delimited response may end here; otherwise the stream resets.
  client_->codec->onConnectionClosed();
  bool failed = in_flight_;
  in_flight_ = false;
  closeConnection();
  if (failed) handleFailure(HealthCheckFailureType::kNetwork);
}

void HttpHealthCheckSession::decodeHeaders(std::unique_ptr<http::HeaderMap> headers,
                                           bool end_stream) {
  response_headers_ = std::move(headers);
  if (end_stream) onResponseComplete();
}

void HttpHealthCheckSession::decodeData(Buffer& data, bool end_stream) {
  if (grpc() && !body_too_large_) {
    if (response_body_.size() + data.length() > kMaxGrpcBody) {
      body_too_large_ = true;
    } else {
      response_body_ += data.toString();
    }
  }
  data.clear();
  if (end_stream) onResponseComplete();
}

void HttpHealthCheckSession::decodeTrailers(std::unique_ptr<http::HeaderMap> trailers) {
  response_trailers_ = std::move(trailers);
  onResponseComplete();
}

void HttpHealthCheckSession::onResetStream(http::StreamResetReason reason) {
  encoder_ = nullptr;
  if (!in_flight_) return;
  in_flight_ = false;
  log::debug("cluster {}: health check of {}: stream reset ({})", parent_.cluster().name,
             host_->address().str(), http::toString(reason));
  closeConnection();
  handleFailure(HealthCheckFailureType::kNetwork);
}

bool HttpHealthCheckSession::httpResponseHealthy(bool* degraded, bool* retriable) {
  const HealthCheckConfig& config = parent_.config();
  uint64_t status = 0;
  (void)absl::SimpleAtoi(toAbsl(response_headers_->get(http::headers::kStatus).value_or("")),
                         &status);
  *degraded = response_headers_->has("x-envoy-degraded");
  if (!config.statusIn(config.expected_statuses, status)) {
    *retriable = config.statusIn(config.retriable_statuses, status);
    return false;
  }
  if (!config.service_name_matcher.has_value()) return true;
  parent_.stats().verify_cluster.inc();
  return config.service_name_matcher->match(
      response_headers_->get(kHealthCheckedCluster).value_or(""));
}

bool HttpHealthCheckSession::grpcResponseHealthy() {
  if (response_headers_->get(http::headers::kStatus).value_or("") != "200") return false;
  // grpc-status in the trailers, or in the headers of a trailers-only response.
  const http::HeaderMap* status_holder =
      response_trailers_ != nullptr ? response_trailers_.get() : response_headers_.get();
  if (status_holder->get("grpc-status").value_or("") != "0") return false;
  if (body_too_large_) return false;
  auto serving = decodeGrpcHealthCheckResponse(response_body_);
  return serving.ok() && *serving == 1;  // SERVING
}

void HttpHealthCheckSession::onResponseComplete() {
  if (!in_flight_) return;
  in_flight_ = false;
  if (encoder_ != nullptr) {
    encoder_->stream().removeCallbacks(*this);
    encoder_ = nullptr;
  }
  bool degraded = false;
  bool retriable = false;
  bool healthy = response_headers_ != nullptr &&
                 (grpc() ? grpcResponseHealthy() : httpResponseHealthy(&degraded, &retriable));
  bool close =
      !parent_.config().reuse_connection || client_ == nullptr || !client_->codec->reusable();
  if (response_headers_ != nullptr && !grpc()) {
    auto connection = response_headers_->get("connection");
    if (connection.has_value() && absl::EqualsIgnoreCase(toAbsl(*connection), "close"))
      close = true;
  }
  if (close) closeConnection();
  if (healthy) {
    handleSuccess(degraded);
  } else {
    handleFailure(HealthCheckFailureType::kActive, retriable);
  }
}

}  // namespace meshproxy::upstream
