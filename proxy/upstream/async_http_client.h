#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "proxy/core/buffer.h"
#include "proxy/http/header_map.h"
#include "proxy/upstream/lb_context.h"

// Calls out of the worker: a filter that must ask another service (a remote JWKS, ext_authz,
// a rate limit service, an OTLP/HTTP collector) sends one request to a cluster and hears back
// once, on its own worker's loop, without threads or locks. The request takes the same way a
// proxied one does: the worker's cluster front end picks the host (chooseHost with an
// LbContext), the host's connection pool carries it, and an UpstreamRequest counts it (cluster
// stats, circuit-breaker resources, the host's outcome counters for outlier detection).
//
// The cluster's protocol options choose HTTP/1.1 or HTTP/2 (use_downstream_protocol_config:
// HTTP/1.1). A unary gRPC client is a thin layer on top: framing the message into the body,
// reading grpc-status from the response trailers (which AsyncHttpResponse keeps).
namespace meshproxy::upstream {

class WorkerCluster;
class WorkerClusterManager;
class AsyncHttpRequest;

enum class AsyncHttpFailure {
  kNoCluster,            // no cluster of that name in the worker's config
  kNoHealthyUpstream,    // the cluster has no host for this request
  kConnectionFailure,    // connect failed or timed out
  kReset,                // the connection closed or the response was malformed
  kTimeout,              // AsyncHttpOptions::timeout passed first
  kResponseTooLarge,     // the response body outgrew AsyncHttpOptions::max_response_bytes
};
std::string_view toString(AsyncHttpFailure failure);

// A whole response. Any status is a response, 5xx included: what it means is the caller's call.
struct AsyncHttpResponse {
  std::unique_ptr<http::HeaderMap> headers;
  Buffer body;
  std::unique_ptr<http::HeaderMap> trailers;  // null when the response had none

  uint32_t status() const { return headers->status(); }
};

class AsyncHttpCallbacks {
 public:
  virtual ~AsyncHttpCallbacks() = default;
  // Exactly one of these runs per request that was not cancelled. The handle is already empty
  // when it runs, so it can carry the next request right away.
  virtual void onSuccess(AsyncHttpResponse&& response) = 0;
  virtual void onFailure(AsyncHttpFailure failure, std::string_view details) = 0;
};

struct AsyncHttpOptions {
  // The whole exchange: waiting for a connection, sending, the complete response. 0: none
  // (the cluster's connect_timeout still bounds connecting).
  std::chrono::milliseconds timeout{0};
  // Response body bytes kept; a larger response fails (kResponseTooLarge) and its
  // connection closes.
  size_t max_response_bytes = 1024 * 1024;
  // What the load balancer may consider (hash key, the downstream connection the call is made
  // for); null: nothing. Read during send() only.
  const LbContext* lb_context = nullptr;
};

// The caller's end of one request: active from send() until the callback runs or the caller
// cancels. Dropping an active handle cancels the request. Not movable: the request points at
// it.
class AsyncHttpHandle {
 public:
  AsyncHttpHandle() = default;
  ~AsyncHttpHandle() { cancel(); }
  AsyncHttpHandle(const AsyncHttpHandle&) = delete;
  AsyncHttpHandle& operator=(const AsyncHttpHandle&) = delete;

  bool active() const { return request_ != nullptr; }
  // Gives up on the request: no callback follows. A request waiting for a connection leaves
  // the pool's queue; one on a connection closes it (HTTP/1 has no other way to abandon an
  // exchange). Inactive: no-op.
  void cancel();

 private:
  friend class AsyncHttpRequest;
  AsyncHttpRequest* request_ = nullptr;
};

// One per worker (WorkerContext::http_client), used from that worker's thread only.
class AsyncHttpClient {
 public:
  explicit AsyncHttpClient(WorkerClusterManager& clusters);
  // Cancels what is still in flight (no callbacks).
  ~AsyncHttpClient();
  AsyncHttpClient(const AsyncHttpClient&) = delete;
  AsyncHttpClient& operator=(const AsyncHttpClient&) = delete;

  // Sends `headers` (:method, :path and :authority set; content-length is added for a
  // body) and `body` to a host of the cluster, binding `handle` to the request. The callbacks
  // and the handle must outlive the request (until the callback runs or the handle is
  // cancelled). A request that cannot start (no cluster, no host, HTTP/2) fails before send()
  // returns. By slot (clusterSlots().intern(name), done once at config time) or by name (a
  // hash lookup per call).
  void send(uint32_t cluster_slot, std::unique_ptr<http::HeaderMap> headers, Buffer body,
            AsyncHttpCallbacks& callbacks, const AsyncHttpOptions& options,
            AsyncHttpHandle& handle);
  void send(std::string_view cluster_name, std::unique_ptr<http::HeaderMap> headers, Buffer body,
            AsyncHttpCallbacks& callbacks, const AsyncHttpOptions& options,
            AsyncHttpHandle& handle);

  // Cancels every request in flight (worker shutdown, before its clusters go).
  void cancelAll();
  size_t activeRequests() const { return active_; }

 private:
  friend class AsyncHttpRequest;
  void send(WorkerCluster* cluster, std::string_view cluster_name,
            std::unique_ptr<http::HeaderMap> headers, Buffer body, AsyncHttpCallbacks& callbacks,
            const AsyncHttpOptions& options, AsyncHttpHandle& handle);
  // A request ended: out of the list, deleted after the current callbacks.
  void unlink(AsyncHttpRequest& request);

  WorkerClusterManager& clusters_;
  // Requests in flight, in an intrusive list (no allocation beyond the request itself).
  AsyncHttpRequest* head_ = nullptr;
  size_t active_ = 0;
};

}  // namespace meshproxy::upstream
