// The admin server on a real loop thread, driven by a small blocking socket client.
#include "proxy/admin/admin_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace meshproxy::admin {
namespace {

// A libuv loop on its own thread, with a way to run code on it.
class LoopThread {
 public:
  LoopThread() {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &async_, &LoopThread::onAsync);
    async_.data = this;
  }
  ~LoopThread() {
    if (thread_.joinable()) {
      stop();
    } else if (!stopped_) {  // never started: finish on this thread
      uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
      uv_run(&loop_, UV_RUN_DEFAULT);
    }
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle was left open";
  }

  uv_loop_t* loop() { return &loop_; }
  void start() {
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }
  void post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    uv_async_send(&async_);
  }
  void runAndWait(const std::function<void()>& task) {
    std::promise<void> done;
    post([&] {
      task();
      done.set_value();
    });
    done.get_future().wait();
  }
  // The loop ends once every other handle is closed too.
  void stop() {
    post([this] { uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr); });
    thread_.join();
    stopped_ = true;
  }

 private:
  static void onAsync(uv_async_t* async) {
    auto* self = static_cast<LoopThread*>(async->data);
    std::deque<std::function<void()>> tasks;
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      tasks.swap(self->tasks_);
    }
    for (auto& task : tasks) task();
  }

  uv_loop_t loop_;
  uv_async_t async_;
  std::thread thread_;
  bool stopped_ = false;
  std::mutex mutex_;
  std::deque<std::function<void()>> tasks_;
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Blocking HTTP/1.1 client over one TCP connection; every read times out after 5 s.
class TestClient {
 public:
  explicit TestClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~TestClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  void closeNow() {
    ::close(fd_);
    fd_ = -1;
  }

  bool send(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one response framed by Content-Length; nullopt on EOF, error or timeout.
  std::optional<HttpResponse> read() {
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    HttpResponse response;
    const std::string head = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    if (std::sscanf(head.c_str(), "HTTP/1.1 %d", &response.status) != 1) return std::nullopt;
    size_t line_start = head.find("\r\n");
    while (line_start != std::string::npos) {
      line_start += 2;
      const size_t line_end = head.find("\r\n", line_start);
      const std::string line = head.substr(line_start, line_end - line_start);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        response.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
      }
      line_start = line_end;
    }
    const auto length = response.headers.find("content-length");
    const size_t body_size = length == response.headers.end() ? 0 : std::stoul(length->second);
    if (!head_response_) {
      while (buffer_.size() < body_size) {
        if (!fill()) return std::nullopt;
      }
      response.body = buffer_.substr(0, body_size);
      buffer_.erase(0, body_size);
    }
    return response;
  }

  std::optional<HttpResponse> request(const std::string& raw) {
    if (!send(raw)) return std::nullopt;
    return read();
  }

  // True once the server has closed its side (reads return EOF or reset).
  bool waitForClose() {
    while (fill()) {
    }
    return last_read_ == 0 || (last_read_ < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

  void expectHeadResponse(bool head) { head_response_ = head; }

 private:
  bool fill() {
    char chunk[16384];
    last_read_ = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (last_read_ <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(last_read_));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool head_response_ = false;
  ssize_t last_read_ = 1;
  std::string buffer_;
};

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: admin\r\n" + extra_headers + "\r\n";
}

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<AdminServer>(loop_.loop(), options_);
    ASSERT_TRUE(server_
                    ->addHandler("/ready", "GET", "print server state",
                                 [](const AdminRequest&) { return textResponse(200, "LIVE\n"); })
                    .ok());
    ASSERT_TRUE(server_
                    ->addHandler("/quitquitquit", "POST", "exit the server",
                                 [](const AdminRequest&) { return textResponse(200, "OK\n"); })
                    .ok());
    ASSERT_TRUE(server_
                    ->addHandler("/echo", "", "echo the request",
                                 [](const AdminRequest& request) {
                                   AdminResponse response;
                                   response.content_type = "application/json";
                                   response.body =
                                       request.method + " " + request.path + " " + request.body;
                                   for (const auto& [name, value] : request.query_params) {
                                     response.headers.emplace_back("x-param-" + name, value);
                                   }
                                   if (auto it = request.headers.find("x-test");
                                       it != request.headers.end()) {
                                     response.headers.emplace_back("x-seen", it->second);
                                   }
                                   return response;
                                 })
                    .ok());
  }

  void start() {
    ASSERT_TRUE(server_->listen("127.0.0.1", 0).ok());
    port_ = server_->boundPort();
    ASSERT_GT(port_, 0);
    loop_.start();
    started_ = true;
  }

  // Closes the server on its loop and waits for on_closed.
  void closeServer() {
    std::promise<void> closed;
    loop_.post([&] { server_->close([&] { closed.set_value(); }); });
    ASSERT_EQ(closed.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);
  }

  void TearDown() override {
    if (!started_) return;
    closeServer();
    loop_.stop();
  }

  AdminServerOptions options_;
  LoopThread loop_;
  std::unique_ptr<AdminServer> server_;
  int port_ = 0;
  bool started_ = false;
};

TEST_F(AdminServerTest, AnswersGetWithContentLength) {
  start();
  TestClient client(port_);
  auto response = client.request(get("/ready"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "LIVE\n");
  EXPECT_EQ(response->headers["content-length"], "5");
  EXPECT_EQ(response->headers["content-type"], "text/plain; charset=UTF-8");
}

TEST_F(AdminServerTest, HelpAndRootListEndpoints) {
  start();
  TestClient client(port_);
  for (const char* path : {"/help", "/"}) {
    auto response = client.request(get(path));
    ASSERT_TRUE(response.has_value()) << path;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body.rfind("admin commands are:\n", 0), 0u) << response->body;
    EXPECT_NE(response->body.find("  /ready: print server state\n"), std::string::npos);
    EXPECT_NE(response->body.find("  /quitquitquit (POST): exit the server\n"), std::string::npos);
  }
}

TEST_F(AdminServerTest, UnknownPathIs404WithEndpointList) {
  start();
  TestClient client(port_);
  auto response = client.request(get("/no/such/thing?x=1"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body.rfind("invalid path. admin commands are:", 0), 0u) << response->body;
  EXPECT_NE(response->body.find("/ready"), std::string::npos);
}

TEST_F(AdminServerTest, WrongMethodIs405) {
  start();
  TestClient client(port_);
  auto response = client.request(get("/quitquitquit"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->body, "Method GET not allowed, POST required.\n");
  EXPECT_EQ(response->headers["allow"], "POST");

  response = client.request("POST /ready HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->headers["allow"], "GET, HEAD");

  response = client.request("POST /quitquitquit HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

TEST_F(AdminServerTest, PassesQueryHeadersAndBody) {
  start();
  TestClient client(port_);
  auto response = client.request(
      "PUT /echo?level=debug&who=a%2Fb HTTP/1.1\r\nX-Test: yes\r\nContent-Length: 4\r\n\r\nbody");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "PUT /echo body");
  EXPECT_EQ(response->headers["content-type"], "application/json");
  EXPECT_EQ(response->headers["x-param-level"], "debug");
  EXPECT_EQ(response->headers["x-param-who"], "a/b");
  EXPECT_EQ(response->headers["x-seen"], "yes");
}

TEST_F(AdminServerTest, KeepAliveServesSequentialAndPipelinedRequests) {
  start();
  TestClient client(port_);
  auto first = client.request(get("/ready"));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->headers["connection"], "keep-alive");
  auto second = client.request(get("/echo"));
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->body, "GET /echo ");

  // Three requests in one write come back in order.
  ASSERT_TRUE(client.send(get("/echo?n=1") + get("/nope") + get("/echo?n=3")));
  auto a = client.read();
  auto b = client.read();
  auto c = client.read();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->headers["x-param-n"], "1");
  EXPECT_EQ(b->status, 404);
  EXPECT_EQ(c->headers["x-param-n"], "3");
}

TEST_F(AdminServerTest, ConnectionCloseIsHonoured) {
  start();
  TestClient client(port_);
  auto response = client.request(get("/ready", "Connection: close\r\n"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_TRUE(client.waitForClose());

  TestClient http10(port_);
  response = http10.request("GET /ready HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_TRUE(http10.waitForClose());
}

TEST_F(AdminServerTest, MalformedRequestIs400AndCloses) {
  start();
  TestClient client(port_);
  auto response = client.request("THIS IS NOT HTTP\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->headers["connection"], "close");
  EXPECT_TRUE(client.waitForClose());
}

TEST_F(AdminServerTest, HeadHasHeadersButNoBody) {
  start();
  TestClient client(port_);
  client.expectHeadResponse(true);
  auto response = client.request("HEAD /ready HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers["content-length"], "5");
  // The connection stays usable: the next response starts right where the head ended.
  client.expectHeadResponse(false);
  response = client.request(get("/ready"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "LIVE\n");
}

TEST_F(AdminServerTest, OversizedRequestIs413) {
  start();
  TestClient announced(port_);
  auto response = announced.request("POST /echo HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(announced.waitForClose());

  // A chunked body is counted as it arrives; the client keeps sending while the server answers.
  TestClient chunked(port_);
  ASSERT_TRUE(chunked.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  for (int i = 0; i < 17; ++i) {
    if (!chunked.send(chunk)) break;  // the server may close before the last chunk
  }
  response = chunked.read();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
}

TEST_F(AdminServerTest, LargeBodyWithinLimitIsAccepted) {
  start();
  TestClient client(port_);
  const std::string body(900 * 1024, 'b');
  auto response = client.request(
      "POST /echo HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body.size(), std::string("POST /echo ").size() + body.size());
}

TEST_F(AdminServerTest, AsyncHandlerRespondsLater) {
  AdminRespondFn pending;
  ASSERT_TRUE(server_
                  ->addAsyncHandler("/drain_listeners", "POST", "drain listeners",
                                    [&](const AdminRequest&, AdminRespondFn respond) {
                                      pending = std::move(respond);
                                    })
                  .ok());
  start();
  TestClient client(port_);
  ASSERT_TRUE(
      client.send("POST /drain_listeners HTTP/1.1\r\nContent-Length: 0\r\n\r\n" + get("/ready")));
  // Wait until the handler has run, then answer from a later loop iteration.
  for (int i = 0; i < 500; ++i) {
    bool ready = false;
    loop_.runAndWait([&] { ready = static_cast<bool>(pending); });
    if (ready) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  loop_.post([&] {
    pending(textResponse(202, "drained\n"));
    pending(textResponse(500, "ignored: second answer\n"));
  });
  auto drained = client.read();
  ASSERT_TRUE(drained.has_value());
  EXPECT_EQ(drained->status, 202);
  EXPECT_EQ(drained->body, "drained\n");
  // The pipelined request waited its turn.
  auto ready = client.read();
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->body, "LIVE\n");
}

TEST_F(AdminServerTest, AsyncRespondAfterConnectionClosedIsIgnored) {
  AdminRespondFn pending;
  ASSERT_TRUE(server_
                  ->addAsyncHandler("/slow", "", "answers late",
                                    [&](const AdminRequest&, AdminRespondFn respond) {
                                      pending = std::move(respond);
                                    })
                  .ok());
  start();
  auto waitForHandler = [&] {
    for (int i = 0; i < 500; ++i) {
      bool ready = false;
      loop_.runAndWait([&] { ready = static_cast<bool>(pending); });
      if (ready) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };

  // The client goes away while its request is in flight; the answer goes nowhere, harmlessly.
  {
    TestClient client(port_);
    ASSERT_TRUE(client.send(get("/slow")));
    waitForHandler();
  }
  loop_.runAndWait([&] { std::exchange(pending, nullptr)(textResponse(200, "late\n")); });
  TestClient next(port_);
  auto response = next.request(get("/ready"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "LIVE\n");

  // The server closes (dropping the in-flight request) before the answer comes.
  TestClient client(port_);
  ASSERT_TRUE(client.send(get("/slow")));
  waitForHandler();
  closeServer();
  EXPECT_TRUE(client.waitForClose());
  loop_.runAndWait([&] { pending(textResponse(200, "too late\n")); });
}

TEST_F(AdminServerTest, HandlerExceptionIs500) {
  ASSERT_TRUE(server_
                  ->addHandler("/throw", "GET", "throws",
                               [](const AdminRequest&) -> AdminResponse {
                                 throw std::runtime_error("boom");
                               })
                  .ok());
  start();
  TestClient client(port_);
  auto response = client.request(get("/throw"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  EXPECT_NE(response->body.find("boom"), std::string::npos);
}

TEST_F(AdminServerTest, ServesManyConcurrentConnections) {
  start();
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 200; ++i) {
    clients.push_back(std::make_unique<TestClient>(port_));
    ASSERT_TRUE(clients.back()->connected());
    ASSERT_TRUE(clients.back()->send(get("/echo?i=" + std::to_string(i))));
  }
  for (int i = 0; i < 200; ++i) {
    auto response = clients[i]->read();
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->headers["x-param-i"], std::to_string(i));
  }
}

TEST_F(AdminServerTest, IdleConnectionTimesOut) {
  options_.request_timeout_ms = 50;
  server_ = std::make_unique<AdminServer>(loop_.loop(), options_);
  start();
  TestClient client(port_);
  EXPECT_TRUE(client.waitForClose());
}

TEST_F(AdminServerTest, CloseDropsConnectionsAndStopsListening) {
  start();
  TestClient client(port_);
  ASSERT_TRUE(client.request(get("/ready")).has_value());
  closeServer();
  EXPECT_TRUE(client.waitForClose());
  TestClient late(port_);
  EXPECT_FALSE(late.connected());
  // close() again, and after everything is closed, reports at once.
  bool called = false;
  loop_.runAndWait([&] { server_->close([&] { called = true; }); });
  EXPECT_TRUE(called);
  loop_.runAndWait([&] { EXPECT_FALSE(server_->listen("127.0.0.1", 0).ok()); });
}

TEST_F(AdminServerTest, HandlerCanRespondThenCloseTheServer) {
  ASSERT_TRUE(server_
                  ->addAsyncHandler("/shutdown", "POST", "close the admin server",
                                    [this](const AdminRequest&, AdminRespondFn respond) {
                                      respond(textResponse(200, "bye\n"));
                                      server_->close(nullptr);
                                    })
                  .ok());
  start();
  TestClient client(port_);
  auto response = client.request("POST /shutdown HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "bye\n");
  EXPECT_TRUE(client.waitForClose());
}

TEST_F(AdminServerTest, DestroyingWithOpenConnectionsIsSafe) {
  start();
  TestClient client(port_);
  ASSERT_TRUE(client.request(get("/ready")).has_value());
  loop_.runAndWait([&] { server_.reset(); });  // handles finish closing on the loop
  EXPECT_TRUE(client.waitForClose());
  started_ = false;
  loop_.stop();
}

TEST_F(AdminServerTest, CurlCanTalkToIt) {
  start();
  const std::string command =
      "curl -s --noproxy '*' -m 5 -w ' %{http_code}' http://127.0.0.1:" + std::to_string(port_) +
      "/ready 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[256];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  const int rc = ::pclose(pipe);
  if (rc != 0 && output.empty()) GTEST_SKIP() << "curl not available";
  EXPECT_EQ(output, "LIVE\n 200");
}

TEST(AdminServerSetupTest, RejectsBadRegistrationsAndAddresses) {
  LoopThread loop;
  AdminServer server(loop.loop());
  auto ok = [](const AdminRequest&) { return AdminResponse{}; };
  EXPECT_TRUE(server.addHandler("/stats", "GET", "stats", ok).ok());
  EXPECT_TRUE(server.addHandler("/stats", "POST", "reset stats", ok).ok());
  EXPECT_EQ(server.addHandler("/stats", "GET", "again", ok).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(server.addHandler("/stats", "", "any", ok).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(server.addHandler("/help", "GET", "mine", ok).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(server.addHandler("stats", "GET", "no slash", ok).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.addHandler("/x", "get", "lower case", ok).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.addHandler("/x", "GET", "null", nullptr).code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(server.listen("localhost", 0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.listen("127.0.0.1", 70000).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
  EXPECT_EQ(server.listen("127.0.0.1", 0).code(), absl::StatusCode::kFailedPrecondition);

  AdminServer other(loop.loop());
  EXPECT_EQ(other.listen("127.0.0.1", server.boundPort()).code(), absl::StatusCode::kUnavailable);
  AdminServer v6(loop.loop());
  if (absl::Status status = v6.listen("::1", 0); status.ok()) {
    EXPECT_GT(v6.boundPort(), 0);
  } else {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);  // a host without IPv6
  }

  bool closed = false;
  server.close([&] { closed = true; });
  other.close(nullptr);
  v6.close(nullptr);
  uv_run(loop.loop(), UV_RUN_NOWAIT);  // run close callbacks without the loop thread
  EXPECT_TRUE(closed);
  AdminServer never_closed(loop.loop());  // its destructor closes it; ~LoopThread runs the loop
  ASSERT_TRUE(never_closed.listen("127.0.0.1", 0).ok());
}

}  // namespace
}  // namespace meshproxy::admin
