#include "proxy/upstream/worker_span_sinks.h"

#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "proxy/core/log.h"

namespace meshproxy::upstream {
namespace {

// grpc-status of the trailers, else of the headers (a trailers-only response).
bool grpcOk(const AsyncHttpResponse& response) {
  std::optional<std::string_view> status;
  if (response.trailers != nullptr) status = response.trailers->get("grpc-status");
  if (!status) status = response.headers->get("grpc-status");
  return status.has_value() && *status == "0";
}

}  // namespace

AsyncHttpSpanTransport::AsyncHttpSpanTransport(EventLoop& loop, AsyncHttpClient& client)
    : loop_(loop), client_(client) {}

AsyncHttpSpanTransport::~AsyncHttpSpanTransport() {
  *alive_ = false;
  handle_.cancel();
}

void AsyncHttpSpanTransport::send(tracing::ExportRequest request,
                                  std::function<void(bool ok)> done) {
  done_ = std::move(done);
  grpc_ = request.grpc;
  auto headers = std::make_unique<http::HeaderMap>();
  headers->set(http::headers::kMethod, "POST");
  headers->set(http::headers::kScheme, "http");
  headers->set(http::headers::kPath, request.path);
  headers->set(http::headers::kAuthority, request.authority);
  headers->set("content-type", request.content_type);
  for (const auto& [name, value] : request.headers) headers->add(name, value);
  Buffer body;
  if (request.grpc) {
    headers->set("te", "trailers");
    if (request.timeout.count() > 0) {
      headers->set("grpc-timeout", std::to_string(request.timeout.count()) + "m");
    }
    // The gRPC message prefix: not compressed, then the length, big-endian.
    const auto n = static_cast<uint32_t>(request.body.size());
    const unsigned char prefix[5] = {
        0, static_cast<unsigned char>(n >> 24), static_cast<unsigned char>(n >> 16),
        static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n)};
    body.add(prefix, sizeof(prefix));
  }
  body.add(request.body);
  AsyncHttpOptions options;
  options.timeout = request.timeout;
  options.max_response_bytes = 64 * 1024;
  sending_ = true;
  client_.send(request.cluster, std::move(headers), std::move(body), *this, options, handle_);
  sending_ = false;
}

void AsyncHttpSpanTransport::onSuccess(AsyncHttpResponse&& response) {
  const bool ok =
      response.status() >= 200 && response.status() < 300 && (!grpc_ || grpcOk(response));
  if (!ok) log::debug("tracing: the collector answered {}", response.status());
  complete(ok);
}

void AsyncHttpSpanTransport::onFailure(AsyncHttpFailure failure, std::string_view details) {
  log::debug("tracing: span export failed: {} {}", toString(failure), details);
  complete(false);
}

// The exporter's contract: `done` never runs inside send(). A request that fails before
// send() returns (no cluster, no host) is reported from the loop's next turn.
void AsyncHttpSpanTransport::complete(bool ok) {
  auto done = std::move(done_);
  done_ = nullptr;
  if (!done) return;
  if (!sending_) {
    done(ok);
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  loop_.post([alive, done = std::move(done), ok] {
    if (auto a = alive.lock(); a && *a) done(ok);
  });
}

WorkerSpanSinks::Queue::Queue(EventLoop& loop, AsyncHttpClient& client,
                              std::shared_ptr<const tracing::Tracer> t)
    : tracer(std::move(t)),
      transport(loop, client),
      exporter(tracer->encoder, transport, tracer->buffer, tracer->stats),
      driver(loop, exporter) {}

WorkerSpanSinks::~WorkerSpanSinks() = default;

void WorkerSpanSinks::add(const std::shared_ptr<const tracing::Tracer>& tracer,
                          tracing::Span span) {
  if (!tracer->encoder) return;  // a provider that exports nowhere
  const uint32_t slot = tracer->slot;
  if (slot >= by_slot_.size()) by_slot_.resize(slot + 1);
  auto& queue = by_slot_[slot];
  if (queue == nullptr) queue = std::make_unique<Queue>(loop_, client_, tracer);
  queue->driver.add(std::move(span));
}

}  // namespace meshproxy::upstream
