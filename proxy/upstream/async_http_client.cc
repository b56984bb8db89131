#include "proxy/upstream/async_http_client.h"

#include <string>

#include "proxy/core/timer.h"
#include "proxy/upstream/cluster_manager.h"
#include "proxy/upstream/upstream_request.h"

namespace meshproxy::upstream {

std::string_view toString(AsyncHttpFailure failure) {
  switch (failure) {
    case AsyncHttpFailure::kNoCluster:
      return "no_cluster";
    case AsyncHttpFailure::kNoHealthyUpstream:
      return "no_healthy_upstream";
    case AsyncHttpFailure::kConnectionFailure:
      return "connection_failure";
    case AsyncHttpFailure::kReset:
      return "reset";
    case AsyncHttpFailure::kTimeout:
      return "timeout";
    case AsyncHttpFailure::kResponseTooLarge:
      return "response_too_large";
  }
  return "unknown";
}

// One request in flight: the cluster pin, the attempt (which pins the host and holds the pool
// handle), the request headers the attempt sends from, the response as it arrives, the
// timeout. Owned by the client's list from send() until it ends; then deleted after the
// current callbacks return (it usually ends inside its attempt's callbacks).
class AsyncHttpRequest : public UpstreamRequestCallbacks, public DeferredDeletable {
 public:
  AsyncHttpRequest(AsyncHttpClient& client, WorkerCluster& cluster,
                   std::unique_ptr<http::HeaderMap> headers, AsyncHttpCallbacks& callbacks,
                   const AsyncHttpOptions& options, AsyncHttpHandle& handle)
      : client_(client),
        cluster_(cluster),
        headers_(std::move(headers)),
        callbacks_(callbacks),
        max_response_bytes_(options.max_response_bytes),
        handle_(&handle) {
    handle.request_ = this;
    if (options.timeout.count() > 0) {
      timer_ = std::make_unique<Timer>(client_.clusters_.loop().uv(), [this] { onTimeout(); });
      timer_->enable(options.timeout);
    }
  }

  void start(WorkerHost& host, ConnPool& pool, Buffer& body) {
    const ClusterConfig& config = cluster_->config();
    attempt_ = std::make_unique<UpstreamRequest>(*this, client_.clusters_.loop(),
                                                 client_.clusters_.workerIndex(), host, config,
                                                 config.per_connection_buffer_limit);
    bool has_body = !body.empty();
    attempt_->start(pool, *headers_, /*end_stream=*/!has_body);
    if (!done_ && has_body) attempt_->encodeData(body, /*end_stream=*/true);
  }

  // The handle gave up: nothing more reaches the caller.
  void cancel() {
    if (handle_ != nullptr) std::exchange(handle_, nullptr)->request_ = nullptr;
    end();
  }

  // UpstreamRequestCallbacks
  void onUpstreamStream(UpstreamRequest&, PoolStream&) override {}
  void onUpstreamPoolFailure(UpstreamRequest&, PoolFailureReason reason,
                             std::string_view details) override {
    fail(AsyncHttpFailure::kConnectionFailure,
         details.empty()
             ? std::string_view(reason == PoolFailureReason::kConnectTimeout ? "connect_timeout"
                                                                             : "connection_failure")
             : details);
  }
  void onUpstreamHeaders(UpstreamRequest&, std::unique_ptr<http::HeaderMap> headers,
                         bool end_stream) override {
    cluster_->config().stats->rqClass(headers->status()).inc();
    response_.headers = std::move(headers);
    if (end_stream) succeed();
  }
  void onUpstreamData(UpstreamRequest&, Buffer& data, bool end_stream) override {
    if (response_.body.length() + data.length() > max_response_bytes_) {
      data.clear();
      fail(AsyncHttpFailure::kResponseTooLarge, "response body over the limit");
      return;
    }
    response_.body.move(data);
    if (end_stream) succeed();
  }
  void onUpstreamTrailers(UpstreamRequest&, std::unique_ptr<http::HeaderMap> trailers) override {
    response_.trailers = std::move(trailers);
    succeed();
  }
  void onUpstreamReset(UpstreamRequest&, http::StreamResetReason reason) override {
    cluster_->config().stats->upstream_rq_rx_reset.inc();
    fail(AsyncHttpFailure::kReset, http::toString(reason));
  }
  // No per-try timeout is armed: the request's own timeout covers the whole exchange.
  void onPerTryTimeout(UpstreamRequest&) override {}
  // The whole body was handed over at once: there is no sender to pause.
  void onUpstreamAboveWriteBufferHighWatermark() override {}
  void onUpstreamBelowWriteBufferLowWatermark() override {}

  AsyncHttpRequest* prev = nullptr;
  AsyncHttpRequest* next = nullptr;

 private:
  void onTimeout() {
    cluster_->config().stats->upstream_rq_timeout.inc();
    if (attempt_ != nullptr) attempt_->timeout();
    fail(AsyncHttpFailure::kTimeout, "request timeout");
  }

  void succeed() {
    const ClusterStats& stats = *cluster_->config().stats;
    stats.upstream_rq_completed.inc();
    auto elapsed = std::chrono::steady_clock::now() - attempt_->startTime();
    stats.upstream_rq_time.record(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
    AsyncHttpCallbacks& callbacks = callbacks_;
    bool notify = handle_ != nullptr;
    end();
    if (notify) callbacks.onSuccess(std::move(response_));
  }

  void fail(AsyncHttpFailure failure, std::string_view details) {
    AsyncHttpCallbacks& callbacks = callbacks_;
    bool notify = handle_ != nullptr;
    // `details` may point into the attempt or the connection: copied before they go.
    std::string kept(details);
    end();
    if (notify) callbacks.onFailure(failure, kept);
  }

  // Over: the handle empties, the attempt lets its stream go (reset unless the response
  // completed, in which case the stream is already back with its pool), and this object goes
  // after the current callbacks.
  void end() {
    if (done_) return;
    done_ = true;
    if (handle_ != nullptr) std::exchange(handle_, nullptr)->request_ = nullptr;
    timer_.reset();
    if (attempt_ != nullptr) attempt_->resetStream();
    client_.unlink(*this);
  }

  AsyncHttpClient& client_;
  ClusterPin cluster_;
  std::unique_ptr<http::HeaderMap> headers_;
  AsyncHttpCallbacks& callbacks_;
  const size_t max_response_bytes_;
  AsyncHttpHandle* handle_;
  std::unique_ptr<Timer> timer_;
  std::unique_ptr<UpstreamRequest> attempt_;
  AsyncHttpResponse response_;
  bool done_ = false;
};

void AsyncHttpHandle::cancel() {
  if (request_ != nullptr) std::exchange(request_, nullptr)->cancel();
}

AsyncHttpClient::AsyncHttpClient(WorkerClusterManager& clusters) : clusters_(clusters) {}

AsyncHttpClient::~AsyncHttpClient() { cancelAll(); }

void AsyncHttpClient::cancelAll() {
  while (head_ != nullptr) head_->cancel();
}

void AsyncHttpClient::send(uint32_t cluster_slot, std::unique_ptr<http::HeaderMap> headers,
                           Buffer body, AsyncHttpCallbacks& callbacks,
                           const AsyncHttpOptions& options, AsyncHttpHandle& handle) {
  send(clusters_.get(cluster_slot), "", std::move(headers), std::move(body), callbacks, options,
       handle);
}

void AsyncHttpClient::send(std::string_view cluster_name, std::unique_ptr<http::HeaderMap> headers,
                           Buffer body, AsyncHttpCallbacks& callbacks,
                           const AsyncHttpOptions& options, AsyncHttpHandle& handle) {
  send(clusters_.get(cluster_name), cluster_name, std::move(headers), std::move(body), callbacks,
       options, handle);
}

void AsyncHttpClient::send(WorkerCluster* cluster, std::string_view cluster_name,
                           std::unique_ptr<http::HeaderMap> headers, Buffer body,
                           AsyncHttpCallbacks& callbacks, const AsyncHttpOptions& options,
                           AsyncHttpHandle& handle) {
  handle.cancel();
  if (cluster == nullptr) {
    callbacks.onFailure(AsyncHttpFailure::kNoCluster, cluster_name);
    return;
  }
  const ClusterConfig& config = cluster->config();
  static const LbContext kNothingToSay;
  WorkerHost* host =
      cluster->chooseHost(options.lb_context != nullptr ? *options.lb_context : kNothingToSay);
  ConnPool* pool = host == nullptr ? nullptr : cluster->httpPool(
      *host, PoolKey{.protocol = config.upstreamProtocol(http::Protocol::kHttp11)});
  if (pool == nullptr) {
    config.stats->upstream_cx_none_healthy.inc();
    callbacks.onFailure(AsyncHttpFailure::kNoHealthyUpstream, "no healthy upstream");
    return;
  }
  if (!body.empty() && !headers->has("content-length")) {
    headers->set("content-length", std::to_string(body.length()));
  }
  auto* request =
      new AsyncHttpRequest(*this, *cluster, std::move(headers), callbacks, options, handle);
  request->next = head_;
  if (head_ != nullptr) head_->prev = request;
  head_ = request;
  ++active_;
  request->start(*host, *pool, body);
}

void AsyncHttpClient::unlink(AsyncHttpRequest& request) {
  if (request.prev != nullptr) request.prev->next = request.next;
  if (request.next != nullptr) request.next->prev = request.prev;
  if (head_ == &request) head_ = request.next;
  request.prev = request.next = nullptr;
  --active_;
  clusters_.loop().deferredDelete(std::unique_ptr<DeferredDeletable>(&request));
}

}  // namespace meshproxy::upstream
