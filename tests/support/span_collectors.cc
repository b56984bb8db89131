#include "tests/support/span_collectors.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "proxy/tracing/otlp_spans.h"
#include "proxy/tracing/zipkin_json.h"
#include "proxy/tracing/zipkin_proto.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {

namespace otlp = opentelemetry::proto::collector::trace::v1;

void SpanStore::add(std::vector<tracing::Span> spans) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_;
  for (auto& s : spans) spans_.push_back(std::move(s));
}

std::vector<tracing::Span> SpanStore::spans() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return spans_;
}

size_t SpanStore::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

bool SpanStore::waitForSpans(size_t n, absl::Duration timeout) const {
  return waitUntil([&] { return spans().size() >= n; }, timeout);
}

class OtlpGrpcCollector::Service final : public otlp::TraceService::Service {
 public:
  explicit Service(SpanStore& store) : store_(store) {}
  grpc::Status Export(grpc::ServerContext*, const otlp::ExportTraceServiceRequest* request,
                      otlp::ExportTraceServiceResponse*) override {
    store_.add(tracing::spansFromOtlp(*request));
    return grpc::Status::OK;
  }

 private:
  SpanStore& store_;
};

OtlpGrpcCollector::OtlpGrpcCollector() : service_(std::make_unique<Service>(store_)) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
}

OtlpGrpcCollector::~OtlpGrpcCollector() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

HttpSpanCollector::HttpSpanCollector() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::listen(listen_fd_, 16);
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (::pipe(stop_pipe_) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
  thread_ = std::thread([this] { serve(); });
}

HttpSpanCollector::~HttpSpanCollector() {
  if (stop_pipe_[1] >= 0) (void)!::write(stop_pipe_[1], "x", 1);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

std::string HttpSpanCollector::lastContentType() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_content_type_;
}

std::string HttpSpanCollector::lastPath() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_path_;
}

// A thread per connection: several proxies keep their export connections open.
void HttpSpanCollector::serve() {
  std::vector<std::thread> connections;
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, 1000) < 0) break;
    if (fds[1].revents != 0) break;
    if ((fds[0].revents & POLLIN) == 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    connections.emplace_back([this, fd] {
      serveConnection(fd);
      ::close(fd);
    });
  }
  for (auto& t : connections) t.join();
}

void HttpSpanCollector::serveConnection(int fd) {
  std::string data;
  char buf[16384];
  for (;;) {
    size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      pollfd p[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (::poll(p, 2, 10000) <= 0 || p[1].revents != 0) return;
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
    }
    std::string head = data.substr(0, head_end);
    size_t content_length = 0;
    std::string content_type, path;
    std::vector<std::string> lines = absl::StrSplit(head, "\r\n");
    if (!lines.empty()) {
      std::vector<std::string> parts = absl::StrSplit(lines[0], ' ');
      if (parts.size() >= 2) path = parts[1];
    }
    for (size_t i = 1; i < lines.size(); ++i) {
      size_t colon = lines[i].find(':');
      if (colon == std::string::npos) continue;
      std::string name = absl::AsciiStrToLower(lines[i].substr(0, colon));
      std::string value(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
      if (name == "content-length") (void)absl::SimpleAtoi(value, &content_length);
      if (name == "content-type") content_type = value;
    }
    while (data.size() < head_end + 4 + content_length) {
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
    }
    std::string body = data.substr(head_end + 4, content_length);
    data.erase(0, head_end + 4 + content_length);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      last_content_type_ = content_type;
      last_path_ = path;
    }
    absl::StatusOr<std::vector<tracing::Span>> spans;
    if (path == "/v1/traces") {
      otlp::ExportTraceServiceRequest request;
      if (request.ParseFromString(body)) {
        spans = tracing::spansFromOtlp(request);
      } else {
        spans = absl::InvalidArgumentError("not an ExportTraceServiceRequest");
      }
    } else if (absl::StartsWith(content_type, "application/x-protobuf")) {
      spans = tracing::decodeZipkinProtoV2(body);
    } else {
      spans = tracing::decodeZipkinJsonV2(body);
    }
    std::string response = spans.ok() ? "HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n"
                                      : "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
    if (spans.ok()) store_.add(std::move(*spans));
    if (::write(fd, response.data(), response.size()) < 0) return;
  }
}

}  // namespace meshproxy::testing
