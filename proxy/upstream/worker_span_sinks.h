#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "proxy/core/event_loop.h"
#include "proxy/tracing/http_tracer.h"
#include "proxy/tracing/span_exporter.h"
#include "proxy/upstream/async_http_client.h"

// Span export out of a worker: each tracer's finished spans go into this worker's bounded
// queue (tracing::SpanExporter) and leave in batches over the worker's AsyncHttpClient, to the
// collector cluster the provider names, like any other request of that cluster (its load
// balancing, TLS, HTTP/2 protocol options). Never on the request's own path: the request only
// appends to the queue.
namespace meshproxy::upstream {

// One export at a time over the async HTTP client: an HTTP POST (OTLP/HTTP, Zipkin), or a
// unary gRPC call (OTLP/gRPC: the message framed with the 5-byte gRPC prefix, sent over the
// cluster's protocol, which must be HTTP/2; success is grpc-status 0).
class AsyncHttpSpanTransport : public tracing::SpanTransport, private AsyncHttpCallbacks {
 public:
  AsyncHttpSpanTransport(EventLoop& loop, AsyncHttpClient& client);
  ~AsyncHttpSpanTransport() override;

  void send(tracing::ExportRequest request, std::function<void(bool ok)> done) override;

 private:
  void onSuccess(AsyncHttpResponse&& response) override;
  void onFailure(AsyncHttpFailure failure, std::string_view details) override;
  void complete(bool ok);

  EventLoop& loop_;
  AsyncHttpClient& client_;
  AsyncHttpHandle handle_;
  std::function<void(bool)> done_;
  bool grpc_ = false;
  bool sending_ = false;  // inside client_.send(): a failure there is reported later
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// tracing::SpanSinks for one worker: a queue, a transport and a flush timer per tracer slot,
// made on the first span of that tracer. They live as long as the worker (a provider config
// that changes costs one idle queue per worker).
class WorkerSpanSinks : public tracing::SpanSinks {
 public:
  WorkerSpanSinks(EventLoop& loop, AsyncHttpClient& client) : loop_(loop), client_(client) {}
  ~WorkerSpanSinks() override;

  void add(const std::shared_ptr<const tracing::Tracer>& tracer, tracing::Span span) override;
  // Drops every queue (worker shutdown, on the worker thread: the flush timers close there).
  void clear() { by_slot_.clear(); }

 private:
  struct Queue {
    Queue(EventLoop& loop, AsyncHttpClient& client, std::shared_ptr<const tracing::Tracer> t);
    std::shared_ptr<const tracing::Tracer> tracer;
    AsyncHttpSpanTransport transport;
    tracing::SpanExporter exporter;
    tracing::SpanExportDriver driver;
  };

  EventLoop& loop_;
  AsyncHttpClient& client_;
  std::vector<std::unique_ptr<Queue>> by_slot_;
};

}  // namespace meshproxy::upstream
