// network::Connection with a TLS transport over real loopback sockets: kConnected after the
// handshake, data both ways, close_notify as a half-close, watermarks that count plaintext
// and ciphertext, and handshake failures as connect failures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>

#include "envoy/extensions/transport_sockets/tls/v3/common.pb.h"
#include "proxy/core/event_loop.h"
#include "proxy/network/connection.h"
#include "proxy/tls/ssl_socket_factory.h"
#include "tests/unit/tls/tls_test_util.h"

namespace meshproxy::tls::testing {
namespace {

using network::Connection;
using network::ConnectionEvent;
using ::testing::HasSubstr;

// Records what a connection reported.
struct Recorder : network::ConnectionCallbacks {
  void onData(Buffer& data, bool end) override {
    received += data.toString();
    data.clear();
    end_stream |= end;
    if (on_data) on_data();
  }
  void onEvent(ConnectionEvent event) override { events.push_back(event); }
  void onAboveWriteBufferHighWatermark() override { ++above; }
  void onBelowWriteBufferLowWatermark() override { ++below; }
  bool saw(ConnectionEvent e) const {
    return std::find(events.begin(), events.end(), e) != events.end();
  }

  std::string received;
  bool end_stream = false;
  std::vector<ConnectionEvent> events;
  int above = 0;
  int below = 0;
  std::function<void()> on_data;
};

class TlsConnectionTest : public ::testing::Test {
 protected:
  TlsConnectionTest() {
    server_cert_ = ca_.issue({.uri_sans = {"spiffe://td/server"}});
    client_cert_ = ca_.issue({.uri_sans = {"spiffe://td/client"}});
    uv_tcp_init(loop_.uv(), &listener_);
    listener_.data = this;
    auto addr = network::Address::parse("127.0.0.1:0");
    uv_tcp_bind(&listener_, addr->sockaddr_ptr(), 0);
    uv_listen(reinterpret_cast<uv_stream_t*>(&listener_), 16,
              [](uv_stream_t* s, int) { static_cast<TlsConnectionTest*>(s->data)->onAccept(); });
    sockaddr_storage ss{};
    int len = sizeof(ss);
    uv_tcp_getsockname(&listener_, reinterpret_cast<sockaddr*>(&ss), &len);
    address_ = network::Address::fromSockaddr(reinterpret_cast<sockaddr*>(&ss));
  }
  ~TlsConnectionTest() override {
    server_.reset();
    client_.reset();
    uv_close(reinterpret_cast<uv_handle_t*>(&listener_), nullptr);
    runFor(std::chrono::milliseconds(20));
  }

  void onAccept() {
    std::string failure;
    auto socket = server_factory_->create({}, &failure);
    server_ = Connection::accept(loop_, reinterpret_cast<uv_stream_t*>(&listener_), server_limit_,
                                 std::move(socket));
    server_->setCallbacks(&server_events_);
    server_->enableHalfClose(true);
    if (on_accept_) on_accept_();
  }

  void useContexts(std::shared_ptr<TlsContextConfig> client,
                   std::shared_ptr<TlsContextConfig> server) {
    client_factory_ =
        std::make_shared<SslSocketFactory>(makeProvider(store_, "client", std::move(client)));
    server_factory_ =
        std::make_shared<SslSocketFactory>(makeProvider(store_, "server", std::move(server)));
  }
  void useMutualTls() {
    auto server = makeConfig(true, &server_cert_, &ca_.certPem());
    server->require_client_certificate = true;
    useContexts(makeConfig(false, &client_cert_, &ca_.certPem()), server);
  }

  void connect(uint32_t limit = 0) {
    client_ =
        Connection::connect(loop_, address_, std::chrono::seconds(5), limit, client_factory_.get());
    client_->setCallbacks(&client_events_);
    client_->enableHalfClose(true);
  }

  // Runs the loop until `done` or the timeout; a timer keeps each iteration bounded.
  bool runUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    uv_timer_t tick;
    uv_timer_init(loop_.uv(), &tick);
    uv_timer_start(
        &tick, [](uv_timer_t*) {}, 5, 5);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    bool ok = done();
    while (!ok && std::chrono::steady_clock::now() < deadline) {
      uv_run(loop_.uv(), UV_RUN_ONCE);
      ok = done();
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
    uv_run(loop_.uv(), UV_RUN_NOWAIT);
    return ok;
  }
  void runFor(std::chrono::milliseconds d) {
    auto end = std::chrono::steady_clock::now() + d;
    runUntil([&] { return std::chrono::steady_clock::now() >= end; },
             d + std::chrono::milliseconds(50));
  }
  int64_t counter(const std::string& name) { return store_.counter(stats::StatName{name}).value(); }

  stats::Store store_;
  EventLoop loop_;
  TestCa ca_;
  CertAndKey server_cert_;
  CertAndKey client_cert_;
  uv_tcp_t listener_;
  network::Address address_;
  std::shared_ptr<SslSocketFactory> client_factory_;
  std::shared_ptr<SslSocketFactory> server_factory_;
  uint32_t server_limit_ = 0;
  std::unique_ptr<Connection> client_;
  std::unique_ptr<Connection> server_;
  Recorder client_events_;
  Recorder server_events_;
  std::function<void()> on_accept_;
};

TEST_F(TlsConnectionTest, ConnectedOnlyAfterTheHandshakeThenDataBothWays) {
  useMutualTls();
  connect();
  // Written while connecting: held, then encrypted once the handshake is done.
  Buffer early;
  early.add("hello over tls");
  client_->write(early, false);
  EXPECT_TRUE(client_->connecting());
  ASSERT_TRUE(runUntil([&] { return client_events_.saw(ConnectionEvent::kConnected); }));
  EXPECT_FALSE(client_->connecting());
  ASSERT_NE(client_->ssl(), nullptr);  // the peer is known when kConnected arrives
  EXPECT_EQ(client_->ssl()->peerUriSan(), "spiffe://td/server");
  ASSERT_TRUE(runUntil([&] { return server_events_.received == "hello over tls"; }));
  EXPECT_TRUE(server_events_.saw(ConnectionEvent::kConnected));
  EXPECT_EQ(server_->ssl()->peerUriSan(), "spiffe://td/client");
  EXPECT_TRUE(server_->secure());

  std::string big(3 * 1024 * 1024 + 17, 'b');
  Buffer reply;
  reply.add(big);
  server_->write(reply, false);
  ASSERT_TRUE(runUntil([&] { return client_events_.received.size() == big.size(); }));
  EXPECT_EQ(client_events_.received, big);
  EXPECT_GT(client_->bytesRead(), big.size());  // ciphertext on the wire
  EXPECT_EQ(counter("listener.server.ssl.handshake"), 1);
  EXPECT_EQ(counter("listener.client.ssl.handshake"), 1);
}

TEST_F(TlsConnectionTest, EndStreamIsCloseNotifyAndTheOtherDirectionGoesOn) {
  useMutualTls();
  connect();
  Buffer last;
  last.add("request");
  client_->write(last, /*end_stream=*/true);
  ASSERT_TRUE(runUntil([&] { return server_events_.end_stream; }));
  EXPECT_EQ(server_events_.received, "request");
  EXPECT_FALSE(server_events_.saw(ConnectionEvent::kRemoteClose));
  Buffer answer;
  answer.add("response");
  server_->write(answer, true);
  ASSERT_TRUE(runUntil([&] { return client_events_.end_stream; }));
  EXPECT_EQ(client_events_.received, "response");
  ASSERT_TRUE(runUntil([&] { return !client_->isOpen() && !server_->isOpen(); }));
  EXPECT_EQ(counter("listener.server.ssl.connection_error"), 0);
  EXPECT_EQ(counter("listener.client.ssl.connection_error"), 0);
}

TEST_F(TlsConnectionTest, GracefulCloseDeliversQueuedDataThenCloseNotify) {
  useMutualTls();
  on_accept_ = [&] {
    Buffer b;
    b.add("goodbye");
    server_->write(b, false);
    server_->close(network::CloseType::kFlushWrite);
  };
  connect();
  ASSERT_TRUE(runUntil([&] { return client_events_.end_stream; }));
  EXPECT_EQ(client_events_.received, "goodbye");
}

TEST_F(TlsConnectionTest, WatermarksCountPlaintextHeldDuringTheHandshake) {
  useMutualTls();
  connect(/*limit=*/64 * 1024);
  Buffer lots;
  lots.add(std::string(200 * 1024, 'x'));
  client_->write(lots, false);
  EXPECT_EQ(client_->writeBufferLength(), 200u * 1024);
  EXPECT_EQ(client_events_.above, 1);
  ASSERT_TRUE(runUntil([&] { return server_events_.received.size() == 200u * 1024; }));
  ASSERT_TRUE(runUntil([&] { return client_events_.below == 1; }));
  EXPECT_EQ(client_->writeBufferLength(), 0u);
}

TEST_F(TlsConnectionTest, UpstreamHandshakeFailureIsAConnectFailureWithAReason) {
  auto client = makeConfig(false, &client_cert_, &ca_.certPem());
  envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher m;
  m.set_san_type(envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher::URI);
  m.mutable_matcher()->set_exact("spiffe://td/somebody-else");
  client->validation->san_matchers.push_back(*SanMatcher::fromProto(m));
  useContexts(client, makeConfig(true, &server_cert_, &ca_.certPem()));
  connect();
  ASSERT_TRUE(runUntil([&] { return !client_events_.events.empty(); }));
  EXPECT_EQ(client_events_.events[0], ConnectionEvent::kConnectFailed);
  EXPECT_THAT(std::string(client_->transportFailureReason()), HasSubstr("SAN"));
  EXPECT_EQ(counter("listener.client.ssl.fail_verify_san"), 1);
  ASSERT_TRUE(runUntil([&] { return server_ != nullptr && !server_->isOpen(); }));
}

TEST_F(TlsConnectionTest, ServerWithoutItsSecretsRefusesTheUpstream) {
  useMutualTls();
  auto config = std::make_shared<TlsContextConfig>();
  config->certificate_sds = "missing";
  client_factory_ = std::make_shared<SslSocketFactory>(
      std::make_shared<TlsContextProvider>(config, SslStats::create(store_.scope("cluster", "x"))));
  connect();
  ASSERT_TRUE(runUntil([&] { return !client_events_.events.empty(); }));
  EXPECT_EQ(client_events_.events[0], ConnectionEvent::kConnectFailed);
  EXPECT_THAT(std::string(client_->transportFailureReason()), HasSubstr("SDS"));
}

}  // namespace
}  // namespace meshproxy::tls::testing
