#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "proxy/core/buffer.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/recycled.h"
#include "proxy/core/timer.h"
#include "proxy/http/codec.h"
#include "proxy/upstream/conn_pool.h"
#include "proxy/upstream/worker_host.h"

namespace meshproxy::upstream {

class UpstreamRequest;

// What one attempt tells its owner (the router filter, the async HTTP client). Every call
// names the attempt, so that with retries and hedging (issue 13) the owner can tell a stale
// attempt from the current one.
class UpstreamRequestCallbacks {
 public:
  virtual ~UpstreamRequestCallbacks() = default;
  // The pool gave the attempt a stream; the request headers are about to go out.
  virtual void onUpstreamStream(UpstreamRequest& attempt, PoolStream& stream) = 0;
  virtual void onUpstreamPoolFailure(UpstreamRequest& attempt, PoolFailureReason reason,
                                     std::string_view details) = 0;
  virtual void onUpstreamHeaders(UpstreamRequest& attempt, std::unique_ptr<http::HeaderMap> headers,
                                 bool end_stream) = 0;
  virtual void onUpstreamData(UpstreamRequest& attempt, Buffer& data, bool end_stream) = 0;
  virtual void onUpstreamTrailers(UpstreamRequest& attempt,
                                  std::unique_ptr<http::HeaderMap> trailers) = 0;
  virtual void onUpstreamReset(UpstreamRequest& attempt, http::StreamResetReason reason) = 0;
  virtual void onPerTryTimeout(UpstreamRequest& attempt) = 0;
  // retry_policy.per_try_idle_timeout passed without response activity.
  virtual void onPerTryIdleTimeout(UpstreamRequest& attempt) { onPerTryTimeout(attempt); }
  // The attempt cannot take more request body now / again: pause / resume the downstream.
  virtual void onUpstreamAboveWriteBufferHighWatermark() = 0;
  virtual void onUpstreamBelowWriteBufferLowWatermark() = 0;
};

// One attempt to send a request to one upstream host (Envoy's UpstreamRequest), owned by the
// router filter (filters/http/router) or the async HTTP client: a retry or a hedge is another
// object. It holds the host (HostPin) and the pool handle, counts itself as a request in
// flight to the host and cluster for exactly its own life, feeds the host's outcome counters,
// sends the request its owner gives it (holding body bytes while the stream is not ready
// yet), and passes the response and the stream's events up. It does not decide anything:
// whether to retry, time out or answer is the owner's call. Here rather than in the router's
// folder so that every HTTP request leaving the worker is counted the same way.
class UpstreamRequest : public http::ResponseDecoder,
                        public http::StreamCallbacks,
                        public PoolCallbacks,
                        public Recycled<UpstreamRequest> {
 public:
  // `host` must be pinned by the caller's cluster pin (see upstream/worker_cluster.h).
  // `buffer_limit`: body bytes held while waiting for a stream before the downstream pauses.
  // `worker_index` picks the host's outcome-counter stripe.
  UpstreamRequest(UpstreamRequestCallbacks& parent, EventLoop& loop, uint32_t worker_index,
                  WorkerHost& host, const ClusterConfig& cluster, uint32_t buffer_limit);
  ~UpstreamRequest() override;
  UpstreamRequest(const UpstreamRequest&) = delete;
  UpstreamRequest& operator=(const UpstreamRequest&) = delete;

  // Asks `pool` for a stream; the headers go out when it is ready (maybe before this returns:
  // the parent may then already have been told anything, up to a failure).
  void start(ConnPool& pool, const http::HeaderMap& headers, bool end_stream);
  // More of the request. Data is taken from `data` (sent, held until the stream is ready, or
  // dropped once the attempt is over).
  void encodeData(Buffer& data, bool end_stream);
  void encodeTrailers(const http::HeaderMap& trailers);
  // The downstream cannot take more response: stop / resume reading this attempt's stream.
  void readDisable(bool disable);
  // Gives up on the attempt: a waiting request leaves the pool's queue, a stream is reset
  // (HTTP/1: its connection closes). The parent hears nothing more from this attempt.
  void resetStream();
  // Gives up because the owner's timer ran out before the response completed: counted as a
  // local-origin failure of the host (outlier detection), then as resetStream().
  void timeout();

  // The slot for retry_policy.per_try_timeout (issue 13): parent.onPerTryTimeout(*this) when
  // `timeout` passes before the response completes. Re-arming replaces the deadline.
  void setPerTryTimeout(std::chrono::milliseconds timeout);
  // retry_policy.per_try_idle_timeout: parent.onPerTryIdleTimeout(*this) when `timeout`
  // passes without response headers or data (re-armed by each).
  void setPerTryIdleTimeout(std::chrono::milliseconds timeout);

  const Host& host() const { return host_->host(); }
  WorkerHost& workerHost() const { return *host_; }
  std::chrono::steady_clock::time_point startTime() const { return start_time_; }
  bool awaitingStream() const { return handle_.pending(); }
  // It holds a live stream (ready, not yet complete, reset or given up).
  bool hasStream() const { return handle_.stream() != nullptr; }
  // Not yet over: the response is still to come (not complete, reset, failed or given up).
  bool live() const { return !finished_; }
  bool responseStarted() const { return response_started_; }
  bool responseComplete() const { return response_complete_; }
  // The whole request went out (end of stream sent).
  bool requestSent() const { return request_sent_; }
  // A stream was ready and the request headers went out on it (reset-before-request: false).
  bool requestStarted() const { return request_started_; }
  // The stream was on a connection that carried an earlier request (PoolStream).
  bool reusedConnection() const { return reused_connection_; }
  // Body bytes held while waiting for the stream.
  size_t heldBodyBytes() const { return held_body_.length(); }

  // PoolCallbacks
  void onPoolReady(PoolStream& stream) override;
  void onPoolFailure(PoolFailureReason reason, std::string_view details) override;
  // ResponseDecoder
  void decodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) override;
  void decodeData(Buffer& data, bool end_stream) override;
  void decodeTrailers(std::unique_ptr<http::HeaderMap> trailers) override;
  // StreamCallbacks
  void onResetStream(http::StreamResetReason reason) override;
  void onAboveWriteBufferHighWatermark() override;
  void onBelowWriteBufferLowWatermark() override;

 private:
  http::StreamEncoder& encoder() { return handle_.stream()->encoder(); }
  // The response is complete or the attempt failed: it no longer counts as in flight; the
  // stream (if complete) goes back to the pool.
  void finish(bool reset);
  void onResponseComplete();

  UpstreamRequestCallbacks& parent_;
  EventLoop& loop_;
  const uint32_t worker_index_;
  HostPin host_;
  const ClusterConfig& cluster_;
  const uint32_t buffer_limit_;
  ResourcePriority priority_ = ResourcePriority::kDefault;  // the pool's
  PoolHandle handle_;
  const http::HeaderMap* headers_ = nullptr;
  const http::HeaderMap* trailers_ = nullptr;  // set if they arrived before the stream
  Buffer held_body_;
  void touchIdleTimer() {
    if (per_try_idle_timer_ != nullptr) per_try_idle_timer_->enable(per_try_idle_timeout_);
  }

  std::unique_ptr<Timer> per_try_timer_;
  std::unique_ptr<Timer> per_try_idle_timer_;
  std::chrono::milliseconds per_try_idle_timeout_{0};
  std::chrono::steady_clock::time_point start_time_;
  bool request_complete_ = false;  // the router gave the whole request
  bool request_sent_ = false;
  bool request_started_ = false;
  bool reused_connection_ = false;
  bool counted_ = false;
  bool finished_ = false;  // response complete, reset or failed: nothing more goes up
  bool held_above_limit_ = false;
  bool read_disabled_ = false;
  bool response_started_ = false;
  bool response_complete_ = false;
};

}  // namespace meshproxy::upstream
