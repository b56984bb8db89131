// Collector stand-ins for the tracing tests: an OTLP/gRPC TraceService (grpc++) and an HTTP
// endpoint taking Zipkin v2 (JSON, or protobuf) at any path and OTLP/HTTP protobuf at
// /v1/traces. Both run in the test process on 127.0.0.1 with an ephemeral port and keep every
// span they receive.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "proxy/tracing/span.h"

namespace grpc {
class Server;
}

namespace meshproxy::testing {

// Spans received so far, shared by both stand-ins.
class SpanStore {
 public:
  void add(std::vector<tracing::Span> spans);
  std::vector<tracing::Span> spans() const;
  size_t requests() const;
  // Polls until at least `n` spans arrived (true) or the timeout (false).
  bool waitForSpans(size_t n, absl::Duration timeout) const;

 private:
  mutable std::mutex mutex_;
  std::vector<tracing::Span> spans_;
  size_t requests_ = 0;
};

class OtlpGrpcCollector {
 public:
  OtlpGrpcCollector();
  ~OtlpGrpcCollector();
  int port() const { return port_; }
  SpanStore& store() { return store_; }

 private:
  class Service;
  SpanStore store_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

class HttpSpanCollector {
 public:
  HttpSpanCollector();
  ~HttpSpanCollector();
  int port() const { return port_; }
  SpanStore& store() { return store_; }
  // Content-Type and path of the last POST.
  std::string lastContentType() const;
  std::string lastPath() const;

 private:
  void serve();
  void serveConnection(int fd);

  SpanStore store_;
  int listen_fd_ = -1;
  int port_ = 0;
  int stop_pipe_[2] = {-1, -1};
  mutable std::mutex mutex_;
  std::string last_content_type_;
  std::string last_path_;
  std::thread thread_;
};

}  // namespace meshproxy::testing
