#pragma once

#include <memory>
#include <string>

#include "proxy/http/codec.h"
#include "proxy/network/connection.h"
#include "proxy/upstream/health_check_connection.h"
#include "proxy/upstream/health_check_session.h"

namespace meshproxy::upstream {

// HTTP and gRPC health checks of one host (Envoy's HttpActiveHealthCheckSession and
// GrpcActiveHealthCheckSession): one request per interval on a connection kept between checks
// (reuse_connection), HTTP/1.1 for HTTP, HTTP/2 for gRPC.
//
// HTTP: GET path, Host from the check (else the endpoint's health check hostname, else the
// cluster name), user-agent Envoy/HC, request_headers_to_add/remove applied. Healthy when the
// status is expected and the service_name_matcher (if any) matches
// x-envoy-upstream-healthchecked-cluster; x-envoy-degraded marks it degraded.
// gRPC: POST /grpc.health.v1.Health/Check; healthy on :status 200, grpc-status 0 and SERVING.
// A bad answer is an ACTIVE failure; a connection failure, reset or close mid-check a NETWORK
// one.
class HttpHealthCheckSession : public HealthCheckSession,
                               private network::ConnectionCallbacks,
                               private http::ResponseDecoder,
                               private http::StreamCallbacks {
 public:
  HttpHealthCheckSession(HealthChecker& parent, HostSharedPtr host);
  ~HttpHealthCheckSession() override;

 private:
  // HealthCheckSession
  void onInterval() override;
  void onTimeout() override;

  // network::ConnectionCallbacks
  void onData(Buffer& data, bool end_stream) override;
  void onEvent(network::ConnectionEvent event) override;

  // http::ResponseDecoder
  void decodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) override;
  void decodeData(Buffer& data, bool end_stream) override;
  void decodeTrailers(std::unique_ptr<http::HeaderMap> trailers) override;
  // http::StreamCallbacks
  void onResetStream(http::StreamResetReason reason) override;

  bool grpc() const;
  http::HeaderMap requestHeaders() const;
  void onResponseComplete();
  // HTTP: the verdict on the response; sets *degraded, *retriable.
  bool httpResponseHealthy(bool* degraded, bool* retriable);
  bool grpcResponseHealthy();
  void closeConnection();

  std::unique_ptr<HealthCheckConnection> client_;
  http::RequestEncoder* encoder_ = nullptr;
  // The check in flight, if any.
  bool in_flight_ = false;
  std::unique_ptr<http::HeaderMap> response_headers_;
  std::unique_ptr<http::HeaderMap> response_trailers_;
  std::string response_body_;  // gRPC only, bounded
  bool body_too_large_ = false;
};

}  // namespace meshproxy::upstream
