// The async HTTP client: one request out of the worker through a cluster (chooseHost, the
// host's pool, an UpstreamRequest), one callback back, a timeout, cancellation. The upstream
// is a scripted HTTP/1.1 server on the same loop, so each test decides exactly what the server
// answers and when.
#include "proxy/upstream/async_http_client.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/network/connection.h"
#include "proxy/upstream/cluster_manager.h"
#include "tests/unit/upstream/test_cluster.h"

namespace meshproxy::upstream {
namespace {

using network::Connection;
using network::ConnectionEvent;

// A loopback HTTP/1.1 server on the test's loop. Each complete request (head, and a body of
// content-length bytes) is handed to `on_request`, which answers through reply() or not.
class ScriptedServer {
 public:
  struct Conn : network::ConnectionCallbacks {
    ScriptedServer* server = nullptr;
    std::unique_ptr<Connection> connection;
    std::string input;
    bool closed = false;

    void onData(Buffer& data, bool) override {
      input += data.toString();
      data.clear();
      server->parse(*this);
    }
    void onEvent(ConnectionEvent event) override {
      if (event == ConnectionEvent::kRemoteClose || event == ConnectionEvent::kLocalClose) {
        closed = true;
      }
    }
    void reply(std::string_view bytes) {
      Buffer out;
      out.add(bytes);
      connection->write(out, false);
    }
    void close() { connection->close(network::CloseType::kFlushWrite); }
  };

  explicit ScriptedServer(EventLoop& loop) : loop_(loop) {
    uv_tcp_init(loop_.uv(), &listener_);
    listener_.data = this;
    auto any = network::Address::parse("127.0.0.1:0");
    uv_tcp_bind(&listener_, any->sockaddr_ptr(), 0);
    uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 16,
              [](uv_stream_t* s, int) { static_cast<ScriptedServer*>(s->data)->onAccept(); });
    sockaddr_storage ss{};
    int len = sizeof(ss);
    uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&ss), &len);
    address_ = network::Address::fromSockaddr(reinterpret_cast<sockaddr*>(&ss));
  }
  ~ScriptedServer() {
    for (auto& conn : conns) conn->connection->setCallbacks(nullptr);
    conns.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
  }

  const network::Address& address() const { return address_; }

  std::function<void(Conn&, const std::string&)> on_request;
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<std::string> requests;

 private:
  void onAccept() {
    auto conn = std::make_unique<Conn>();
    conn->server = this;
    conn->connection = Connection::accept(loop_, reinterpret_cast<uv_stream_t*>(&listener_),
                                          Connection::kDefaultBufferLimit);
    conn->connection->setCallbacks(conn.get());
    conns.push_back(std::move(conn));
  }

  void parse(Conn& conn) {
    for (;;) {
      size_t head_end = conn.input.find("\r\n\r\n");
      if (head_end == std::string::npos) return;
      size_t body = 0;
      if (size_t at = conn.input.find("content-length: ");
          at != std::string::npos && at < head_end) {
        body = std::stoul(conn.input.substr(at + 16));
      }
      size_t total = head_end + 4 + body;
      if (conn.input.size() < total) return;
      std::string request = conn.input.substr(0, total);
      conn.input.erase(0, total);
      requests.push_back(request);
      if (on_request) on_request(conn, request);
    }
  }

  EventLoop& loop_;
  uv_tcp_t listener_;
  network::Address address_;
};

struct Recorder : AsyncHttpCallbacks {
  std::optional<AsyncHttpResponse> response;
  std::optional<AsyncHttpFailure> failure;
  std::string details;
  int calls = 0;
  std::function<void()> then;

  void onSuccess(AsyncHttpResponse&& r) override {
    ++calls;
    response = std::move(r);
    if (then) then();
  }
  void onFailure(AsyncHttpFailure f, std::string_view d) override {
    ++calls;
    failure = f;
    details = std::string(d);
    if (then) then();
  }
};

std::unique_ptr<http::HeaderMap> request(std::string_view method, std::string_view path) {
  auto headers = std::make_unique<http::HeaderMap>();
  headers->add(":method", method);
  headers->add(":path", path);
  headers->add(":authority", "auth.example");
  return headers;
}

Buffer bytes(std::string_view s) {
  Buffer b;
  b.add(s);
  return b;
}

constexpr std::string_view kHello = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-a: b\r\n\r\nhello";

struct Fixture {
  EventLoop loop;
  stats::Store store;
  std::mt19937_64 random{1};
  WorkerClusterManager clusters{loop, 0, 1, random};
  std::unique_ptr<AsyncHttpClient> client = std::make_unique<AsyncHttpClient>(clusters);
  std::unique_ptr<ScriptedServer> server_owner = std::make_unique<ScriptedServer>(loop);
  ScriptedServer& server = *server_owner;
  ClusterConfigSharedPtr cluster;

  Fixture() { cluster = addCluster("auth", {server.address()}); }
  ~Fixture() {
    client.reset();
    clusters.update({});
    server_owner.reset();
    runFor(std::chrono::milliseconds(10));
    Timer::releasePool(loop.uv());
  }

  ClusterConfigSharedPtr addCluster(const std::string& name,
                                    const std::vector<network::Address>& addresses,
                                    bool http2 = false) {
    auto config = makeTestCluster(store, name);
    for (const auto& a : addresses) config->hosts.push_back(std::make_shared<Host>(a, a.str()));
    config->http2 = http2;
    clusters_by_name[name] = config;
    clusters.update(clusters_by_name);
    return config;
  }

  bool runUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    uv_timer_t tick;
    uv_timer_init(loop.uv(), &tick);
    uv_timer_start(
        &tick, [](uv_timer_t*) {}, 5, 5);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool ok = done();
    while (!ok && std::chrono::steady_clock::now() < deadline) {
      uv_run(loop.uv(), UV_RUN_ONCE);
      ok = done();
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(loop.uv(), UV_RUN_NOWAIT);
    return ok;
  }
  void runFor(std::chrono::milliseconds d) {
    auto end = std::chrono::steady_clock::now() + d;
    runUntil([&] { return std::chrono::steady_clock::now() >= end; },
             d + std::chrono::milliseconds(50));
  }

  const ClusterStats& stats() const { return *cluster->stats; }
  const Host& host() const { return *cluster->hosts[0]; }

  ClusterMap clusters_by_name;
};

TEST(AsyncHttpClientTest, ARequestGetsTheWholeResponseAndTheConnectionIsReused) {
  Fixture f;
  f.server.on_request = [](ScriptedServer::Conn& conn, const std::string&) { conn.reply(kHello); };
  Recorder first;
  Recorder second;
  AsyncHttpHandle handle;
  f.client->send("auth", request("GET", "/jwks"), Buffer(), first, {}, handle);
  EXPECT_TRUE(handle.active());
  EXPECT_EQ(f.client->activeRequests(), 1u);
  ASSERT_TRUE(f.runUntil([&] { return first.calls == 1; }));
  f.client->send("auth", request("GET", "/again"), Buffer(), second, {}, handle);
  ASSERT_TRUE(f.runUntil([&] { return second.calls == 1; }));

  ASSERT_TRUE(first.response.has_value());
  EXPECT_EQ(first.response->status(), 200u);
  EXPECT_EQ(first.response->body.toString(), "hello");
  EXPECT_EQ(first.response->headers->get("x-a"), "b");
  EXPECT_EQ(first.response->trailers, nullptr);
  ASSERT_TRUE(second.response.has_value());
  EXPECT_EQ(second.response->body.toString(), "hello");

  ASSERT_EQ(f.server.requests.size(), 2u);
  EXPECT_EQ(f.server.requests[0].substr(0, 20), "GET /jwks HTTP/1.1\r\n");
  EXPECT_NE(f.server.requests[0].find("host: auth.example\r\n"), std::string::npos);
  EXPECT_EQ(f.server.conns.size(), 1u);  // keep-alive: the pool reused the connection
  EXPECT_FALSE(handle.active());
  EXPECT_EQ(f.client->activeRequests(), 0u);

  // Counted as any upstream request.
  EXPECT_EQ(f.stats().upstream_rq_total.value(), 2u);
  EXPECT_EQ(f.stats().upstream_rq_2xx.value(), 2u);
  EXPECT_EQ(f.stats().upstream_rq_completed.value(), 2u);
  EXPECT_EQ(f.cluster->resources->requests.value(), 0);
  EXPECT_EQ(f.host().outcomeTotals().success, 2u);
}

TEST(AsyncHttpClientTest, TheNextRequestCanGoOutFromInsideTheCallbackOnTheSameHandle) {
  Fixture f;
  f.server.on_request = [](ScriptedServer::Conn& conn, const std::string&) { conn.reply(kHello); };
  Recorder first;
  Recorder second;
  AsyncHttpHandle handle;
  first.then = [&] {
    EXPECT_FALSE(handle.active());
    f.client->send("auth", request("GET", "/again"), Buffer(), second, {}, handle);
    EXPECT_TRUE(handle.active());
  };
  f.client->send("auth", request("GET", "/first"), Buffer(), first, {}, handle);
  ASSERT_TRUE(f.runUntil([&] { return second.calls == 1; }));
  EXPECT_EQ(first.calls, 1);
  ASSERT_TRUE(second.response.has_value());
  EXPECT_EQ(second.response->body.toString(), "hello");
  EXPECT_EQ(f.client->activeRequests(), 0u);
}

TEST(AsyncHttpClientTest, ABodyGoesOutWithItsLengthAndTrailersComeBack) {
  Fixture f;
  f.server.on_request = [](ScriptedServer::Conn& conn, const std::string&) {
    conn.reply(
        "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n0\r\ngrpc-status: 14\r\n\r\n");
  };
  Recorder recorder;
  AsyncHttpHandle handle;
  f.client->send("auth", request("POST", "/check"), bytes("payload"), recorder, {}, handle);
  ASSERT_TRUE(f.runUntil([&] { return recorder.calls == 1; }));

  ASSERT_EQ(f.server.requests.size(), 1u);
  const std::string& sent = f.server.requests[0];
  EXPECT_NE(sent.find("content-length: 7\r\n"), std::string::npos) << sent;
  EXPECT_EQ(sent.substr(sent.size() - 7), "payload");
  // Any status is a response: what a 503 means is the caller's call.
  ASSERT_TRUE(recorder.response.has_value());
  EXPECT_EQ(recorder.response->status(), 503u);
  EXPECT_EQ(recorder.response->body.toString(), "abc");
  ASSERT_NE(recorder.response->trailers, nullptr);
  EXPECT_EQ(recorder.response->trailers->get("grpc-status"), "14");
  EXPECT_EQ(f.stats().upstream_rq_5xx.value(), 1u);
  EXPECT_EQ(f.host().outcomeTotals().error, 1u);
}

TEST(AsyncHttpClientTest, ATimeoutFailsTheRequestAndClosesItsConnection) {
  Fixture f;  // the server never answers
  Recorder recorder;
  AsyncHttpHandle handle;
  AsyncHttpOptions options;
  options.timeout = std::chrono::milliseconds(50);
  f.client->send("auth", request("GET", "/slow"), Buffer(), recorder, options, handle);
  ASSERT_TRUE(f.runUntil([&] { return recorder.calls == 1; }));
  EXPECT_EQ(recorder.failure, AsyncHttpFailure::kTimeout);
  EXPECT_FALSE(handle.active());
  EXPECT_EQ(f.stats().upstream_rq_timeout.value(), 1u);
  EXPECT_EQ(f.host().outcomeTotals().local_origin_failure, 1u);  // for outlier detection
  ASSERT_TRUE(f.runUntil([&] { return !f.server.conns.empty() && f.server.conns[0]->closed; }));
  EXPECT_EQ(f.cluster->resources->requests.value(), 0);
  EXPECT_EQ(f.stats().upstream_rq_active.value(), 0);
  f.runFor(std::chrono::milliseconds(20));
  EXPECT_EQ(recorder.calls, 1);
}

TEST(AsyncHttpClientTest, CancellingWhileWaitingForTheResponseClosesTheConnectionSilently) {
  Fixture f;
  Recorder recorder;
  AsyncHttpHandle handle;
  f.client->send("auth", request("GET", "/x"), Buffer(), recorder, {}, handle);
  ASSERT_TRUE(f.runUntil([&] { return f.server.requests.size() == 1; }));
  handle.cancel();
  EXPECT_FALSE(handle.active());
  ASSERT_TRUE(f.runUntil([&] { return f.server.conns[0]->closed; }));
  EXPECT_EQ(recorder.calls, 0);
  EXPECT_EQ(f.client->activeRequests(), 0u);
  EXPECT_EQ(f.cluster->resources->requests.value(), 0);
}

TEST(AsyncHttpClientTest, DroppingTheHandleBeforeAConnectionLeavesThePoolQueue) {
  Fixture f;
  Recorder recorder;
  {
    AsyncHttpHandle handle;
    f.client->send("auth", request("GET", "/x"), Buffer(), recorder, {}, handle);
    EXPECT_EQ(f.cluster->resources->pending_requests.value(), 1);
  }
  EXPECT_EQ(f.cluster->resources->pending_requests.value(), 0);
  EXPECT_EQ(f.client->activeRequests(), 0u);
  f.runFor(std::chrono::milliseconds(50));
  EXPECT_EQ(recorder.calls, 0);
  EXPECT_TRUE(f.server.requests.empty());
}

TEST(AsyncHttpClientTest, DestroyingTheClientCancelsWhatIsInFlight) {
  Fixture f;
  Recorder recorder;
  AsyncHttpHandle handle;
  f.client->send("auth", request("GET", "/x"), Buffer(), recorder, {}, handle);
  ASSERT_TRUE(f.runUntil([&] { return f.server.requests.size() == 1; }));
  f.client.reset();
  EXPECT_FALSE(handle.active());
  f.runFor(std::chrono::milliseconds(20));
  EXPECT_EQ(recorder.calls, 0);
}

TEST(AsyncHttpClientTest, AResponseOverTheLimitFails) {
  Fixture f;
  f.server.on_request = [](ScriptedServer::Conn& conn, const std::string&) { conn.reply(kHello); };
  Recorder recorder;
  AsyncHttpHandle handle;
  AsyncHttpOptions options;
  options.max_response_bytes = 4;
  f.client->send("auth", request("GET", "/big"), Buffer(), recorder, options, handle);
  ASSERT_TRUE(f.runUntil([&] { return recorder.calls == 1; }));
  EXPECT_EQ(recorder.failure, AsyncHttpFailure::kResponseTooLarge);
  EXPECT_EQ(f.client->activeRequests(), 0u);
}

TEST(AsyncHttpClientTest, AResponseOutgrowingTheLimitMidwayClosesItsConnection) {
  Fixture f;
  f.server.on_request = [](ScriptedServer::Conn& conn, const std::string&) {
    conn.reply("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789");  // 90 to come
  };
  Recorder recorder;
  AsyncHttpHandle handle;
  AsyncHttpOptions options;
  options.max_response_bytes = 4;
  f.client->send("auth", request("GET", "/big"), Buffer(), recorder, options, handle);
  ASSERT_TRUE(f.runUntil([&] { return recorder.calls == 1; }));
  EXPECT_EQ(recorder.failure, AsyncHttpFailure::kResponseTooLarge);
  // An HTTP/1 connection in the middle of a response cannot carry another request.
  ASSERT_TRUE(f.runUntil([&] { return f.server.conns[0]->closed; }));
}

TEST(AsyncHttpClientTest, AConnectionClosedBeforeTheResponseIsAReset) {
  Fixture f;
  f.server.on_request = [](ScriptedServer::Conn& conn, const std::string&) { conn.close(); };
  Recorder recorder;
  AsyncHttpHandle handle;
  f.client->send("auth", request("GET", "/x"), Buffer(), recorder, {}, handle);
  ASSERT_TRUE(f.runUntil([&] { return recorder.calls == 1; }));
  EXPECT_EQ(recorder.failure, AsyncHttpFailure::kReset);
  EXPECT_EQ(f.stats().upstream_rq_rx_reset.value(), 1u);
  EXPECT_EQ(f.host().outcomeTotals().local_origin_failure, 1u);
}

TEST(AsyncHttpClientTest, NothingListeningIsAConnectionFailure) {
  Fixture f;
  network::Address closed_port;
  {
    ScriptedServer gone(f.loop);
    closed_port = gone.address();
  }
  f.runFor(std::chrono::milliseconds(5));
  f.addCluster("down", {closed_port});
  Recorder recorder;
  AsyncHttpHandle handle;
  f.client->send("down", request("GET", "/"), Buffer(), recorder, {}, handle);
  ASSERT_TRUE(f.runUntil([&] { return recorder.calls == 1; }));
  EXPECT_EQ(recorder.failure, AsyncHttpFailure::kConnectionFailure);
  EXPECT_FALSE(handle.active());
}

TEST(AsyncHttpClientTest, RequestsThatCannotStartFailBeforeSendReturns) {
  Fixture f;
  f.addCluster("empty", {});
  AsyncHttpHandle handle;

  Recorder no_cluster;
  f.client->send("missing", request("GET", "/"), Buffer(), no_cluster, {}, handle);
  EXPECT_EQ(no_cluster.failure, AsyncHttpFailure::kNoCluster);
  EXPECT_EQ(no_cluster.details, "missing");

  Recorder no_host;
  f.client->send(clusterSlots().intern("empty"), request("GET", "/"), Buffer(), no_host, {},
                 handle);
  EXPECT_EQ(no_host.failure, AsyncHttpFailure::kNoHealthyUpstream);

  EXPECT_FALSE(handle.active());
  EXPECT_EQ(f.client->activeRequests(), 0u);
}

TEST(AsyncHttpClientTest, TheLbContextSteersTheHostChoice) {
  Fixture f;
  ScriptedServer other(f.loop);
  other.on_request = [](ScriptedServer::Conn& conn, const std::string&) { conn.reply(kHello); };
  ClusterConfigSharedPtr two = f.addCluster("two", {f.server.address(), other.address()});
  LbContext context;  // e.g. a retry of a call that went to the first host
  context.addTriedHost(*two->hosts[0]);
  context.setHostSelectionRetryCount(5);
  AsyncHttpOptions options;
  options.lb_context = &context;
  for (int i = 0; i < 3; ++i) {
    Recorder recorder;
    AsyncHttpHandle handle;
    f.client->send("two", request("GET", "/"), Buffer(), recorder, options, handle);
    ASSERT_TRUE(f.runUntil([&] { return recorder.calls == 1; }));
    EXPECT_TRUE(recorder.response.has_value());
  }
  EXPECT_TRUE(f.server.requests.empty());
  EXPECT_EQ(other.requests.size(), 3u);
}

}  // namespace
}  // namespace meshproxy::upstream
