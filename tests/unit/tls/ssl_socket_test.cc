// TLS through a pair of in-memory transport sockets: handshake, data both ways, split
// records, close_notify, resumption, and how verification failures are counted.
#include "proxy/tls/ssl_socket.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "envoy/extensions/transport_sockets/tls/v3/common.pb.h"
#include "tests/unit/tls/tls_test_util.h"

namespace meshproxy::tls::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kClientId[] = "spiffe://cluster.local/ns/default/sa/frontend";
constexpr char kServerId[] = "spiffe://cluster.local/ns/default/sa/backend";

class SslSocketTest : public ::testing::Test {
 protected:
  SslSocketTest() {
    server_cert_ = ca_.issue(
        {.common_name = "backend", .uri_sans = {kServerId}, .dns_sans = {"backend.default.svc"}});
    client_cert_ = ca_.issue({.common_name = "frontend", .uri_sans = {kClientId}});
  }

  std::shared_ptr<const SslContext> serverContext(std::shared_ptr<TlsContextConfig> config) {
    server_provider_ = makeProvider(store_, "server", std::move(config));
    return server_provider_->current();
  }
  std::shared_ptr<const SslContext> clientContext(std::shared_ptr<TlsContextConfig> config) {
    client_provider_ = makeProvider(store_, "client", std::move(config));
    return client_provider_->current();
  }
  // mTLS both ways, each side trusting ca_.
  std::shared_ptr<TlsContextConfig> mtlsServer() {
    auto c = makeConfig(true, &server_cert_, &ca_.certPem());
    c->require_client_certificate = true;
    return c;
  }
  std::shared_ptr<TlsContextConfig> mtlsClient() {
    return makeConfig(false, &client_cert_, &ca_.certPem());
  }

  int64_t counter(const std::string& name) { return store_.counter(stats::StatName{name}).value(); }

  stats::Store store_;
  TestCa ca_;
  CertAndKey server_cert_;
  CertAndKey client_cert_;
  std::shared_ptr<TlsContextProvider> server_provider_;
  std::shared_ptr<TlsContextProvider> client_provider_;
};

TEST_F(SslSocketTest, MutualHandshakeAndDataBothWays) {
  TlsPair pair(clientContext(mtlsClient()), serverContext(mtlsServer()));
  ASSERT_TRUE(pair.handshake()) << pair.client.socket->failureReason()
                                << pair.server.socket->failureReason();
  std::string request(100000, 'q');
  pair.client.plain_out.add(request);
  pair.pump();
  EXPECT_EQ(pair.server.plain_in.toString(), request);
  pair.server.plain_out.add("response");
  pair.pump();
  EXPECT_EQ(pair.client.plain_in.toString(), "response");
  EXPECT_EQ(counter("listener.server.ssl.handshake"), 1);
  EXPECT_EQ(counter("listener.client.ssl.handshake"), 1);
  EXPECT_EQ(counter("listener.server.ssl.connection_error"), 0);
}

// TLS application-data records (content type 23) in raw TLS bytes.
int countApplicationRecords(const Buffer& raw) {
  std::string bytes = raw.toString();
  int records = 0;
  size_t at = 0;
  while (at + 5 <= bytes.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    if (p[0] == 23) ++records;
    at += 5 + ((static_cast<size_t>(p[3]) << 8) | p[4]);
  }
  return records;
}

// An HTTP message is usually headers serialized into one slice and a body moved in from the
// other side's read buffer: one record for both, not one per slice (each record costs a
// header, an AEAD tag and a cipher call on both sides).
TEST_F(SslSocketTest, SmallSlicesAreWrittenAsOneRecord) {
  TlsPair pair(clientContext(mtlsClient()), serverContext(mtlsServer()));
  ASSERT_TRUE(pair.handshake());
  pair.client.raw_out.clear();
  Buffer body;
  body.add(std::string(1024, 'b'));
  pair.client.plain_out.add("POST / HTTP/1.1\r\ncontent-length: 1024\r\n\r\n");
  pair.client.plain_out.move(body);
  Buffer trailer_part;
  trailer_part.add("tail");
  pair.client.plain_out.move(trailer_part);
  ASSERT_GE(pair.client.plain_out.sliceCount(), 2u);
  ASSERT_FALSE(pair.client.socket->doWrite(pair.client.plain_out).close);
  EXPECT_TRUE(pair.client.plain_out.empty());
  EXPECT_EQ(countApplicationRecords(pair.client.raw_out), 1);
  pair.pump();
  EXPECT_EQ(pair.server.plain_in.length(), 1024u + 4 + 41);
}

// Records stay at most 16 KiB of plaintext: 40 KiB in many small slices is 3 records.
TEST_F(SslSocketTest, CoalescedRecordsStayWithinTheMaximumSize) {
  TlsPair pair(clientContext(mtlsClient()), serverContext(mtlsServer()));
  ASSERT_TRUE(pair.handshake());
  pair.client.raw_out.clear();
  std::string expected;
  for (int i = 0; i < 40; ++i) {
    Buffer part;
    std::string chunk(1024, static_cast<char>('a' + i % 26));
    part.add(chunk);
    expected += chunk;
    pair.client.plain_out.move(part);
  }
  ASSERT_FALSE(pair.client.socket->doWrite(pair.client.plain_out).close);
  EXPECT_EQ(countApplicationRecords(pair.client.raw_out), 3);
  pair.pump();
  EXPECT_EQ(pair.server.plain_in.toString(), expected);
}

TEST_F(SslSocketTest, PeerIdentityIsAvailableAfterTheHandshake) {
  TlsPair pair(clientContext(mtlsClient()), serverContext(mtlsServer()));
  EXPECT_EQ(pair.server.socket->ssl(), nullptr);
  ASSERT_TRUE(pair.handshake());
  const auto& server_view = *pair.server.socket->ssl();
  EXPECT_TRUE(server_view.peerCertificatePresented());
  EXPECT_EQ(server_view.peerUriSan(), kClientId);
  EXPECT_THAT(server_view.localUriSans(), ::testing::ElementsAre(kServerId));
  EXPECT_THAT(server_view.peerSubject(), HasSubstr("CN=frontend"));
  EXPECT_EQ(server_view.peerCertSha256().size(), 64u);
  EXPECT_EQ(server_view.protocol(), "TLSv1.3");
  const auto& client_view = *pair.client.socket->ssl();
  EXPECT_EQ(client_view.peerUriSan(), kServerId);
  EXPECT_THAT(client_view.peerDnsSans(), ::testing::ElementsAre("backend.default.svc"));
  EXPECT_THAT(client_view.urlEncodedPeerCertPem(), HasSubstr("BEGIN%20CERTIFICATE"));
}

TEST_F(SslSocketTest, RecordsSplitIntoSingleBytes) {
  TlsPair pair(clientContext(mtlsClient()), serverContext(mtlsServer()));
  ASSERT_TRUE(pair.handshake(/*chunk=*/1));
  pair.client.plain_out.add("split across many reads");
  pair.pump(1);
  EXPECT_EQ(pair.server.plain_in.toString(), "split across many reads");
}

TEST_F(SslSocketTest, TlsOneTwoWorks) {
  auto client = mtlsClient();
  client->max_version = TLS1_2_VERSION;
  TlsPair pair(clientContext(client), serverContext(mtlsServer()));
  ASSERT_TRUE(pair.handshake());
  EXPECT_EQ(pair.server.socket->ssl()->protocol(), "TLSv1.2");
  pair.client.plain_out.add("hello");
  pair.pump();
  EXPECT_EQ(pair.server.plain_in.toString(), "hello");
}

TEST_F(SslSocketTest, DataWrittenBeforeTheHandshakeIsHeld) {
  TlsPair pair(clientContext(mtlsClient()), serverContext(mtlsServer()));
  Buffer early;
  early.add("too early");
  EXPECT_FALSE(pair.server.socket->doWrite(early).close);
  EXPECT_EQ(early.toString(), "too early");  // untouched until the handshake completes
  ASSERT_TRUE(pair.handshake());
  EXPECT_FALSE(pair.server.socket->doWrite(early).close);
  EXPECT_TRUE(early.empty());
  pair.pump();
  EXPECT_EQ(pair.client.plain_in.toString(), "too early");
}

TEST_F(SslSocketTest, CloseNotifyIsEndOfStreamAndTheOtherDirectionGoesOn) {
  TlsPair pair(clientContext(mtlsClient()), serverContext(mtlsServer()));
  ASSERT_TRUE(pair.handshake());
  pair.client.plain_out.add("last words");
  pair.pump();
  pair.client.socket->shutdown();
  pair.pump();
  EXPECT_TRUE(pair.server.end_stream);
  EXPECT_FALSE(pair.server.closed);
  EXPECT_EQ(pair.server.plain_in.toString(), "last words");
  pair.server.plain_out.add("reply after half-close");
  pair.pump();
  EXPECT_EQ(pair.client.plain_in.toString(), "reply after half-close");
}

TEST_F(SslSocketTest, ClientResumesWithTheCachedSession) {
  auto client_ctx = clientContext(mtlsClient());
  auto server_ctx = serverContext(mtlsServer());
  {
    TlsPair first(client_ctx, server_ctx, "10.0.0.1:443");
    ASSERT_TRUE(first.handshake());
    // TLS 1.3 tickets arrive after the handshake, with the first records.
    first.server.plain_out.add("x");
    first.pump();
    EXPECT_FALSE(first.client.socket->ssl()->sessionReused());
    EXPECT_NE(client_ctx->findSession("10.0.0.1:443"), nullptr);
  }
  TlsPair second(client_ctx, server_ctx, "10.0.0.1:443");
  ASSERT_TRUE(second.handshake());
  EXPECT_TRUE(second.client.socket->ssl()->sessionReused());
  EXPECT_EQ(second.server.socket->ssl()->peerUriSan(), kClientId);  // from the session
  EXPECT_EQ(counter("listener.server.ssl.session_reused"), 1);
}

TEST_F(SslSocketTest, SessionTicketKeysLetAnotherContextResume) {
  std::string old_key(80, 'a');
  std::string new_key(80, 'b');
  auto first = mtlsServer();
  first->session_ticket_keys = {old_key};
  auto client_ctx = clientContext(mtlsClient());
  auto first_ctx = serverContext(first);
  {
    TlsPair pair(client_ctx, first_ctx, "10.0.0.2:443");
    ASSERT_TRUE(pair.handshake());
    pair.server.plain_out.add("x");
    pair.pump();
  }
  // Another server context (another process, or a rotation) that still decrypts the old key.
  auto second = mtlsServer();
  second->session_ticket_keys = {new_key, old_key};
  TlsPair pair(client_ctx, serverContext(second), "10.0.0.2:443");
  ASSERT_TRUE(pair.handshake());
  EXPECT_TRUE(pair.client.socket->ssl()->sessionReused());

  // A context that knows none of the keys makes a full handshake.
  auto third = mtlsServer();
  third->session_ticket_keys = {std::string(80, 'c')};
  TlsPair unknown(client_ctx, serverContext(third), "10.0.0.2:443");
  ASSERT_TRUE(unknown.handshake());
  EXPECT_FALSE(unknown.client.socket->ssl()->sessionReused());
}

TEST_F(SslSocketTest, MissingClientCertificateCountsFailVerifyNoCert) {
  TlsPair pair(clientContext(makeConfig(false, nullptr, &ca_.certPem())),
               serverContext(mtlsServer()));
  pair.pump();
  EXPECT_TRUE(pair.server.closed);
  EXPECT_FALSE(pair.server.connected);
  EXPECT_EQ(counter("listener.server.ssl.fail_verify_no_cert"), 1);
  EXPECT_EQ(counter("listener.server.ssl.connection_error"), 1);
  EXPECT_EQ(counter("listener.server.ssl.handshake"), 0);
  EXPECT_THAT(std::string(pair.server.socket->failureReason()), HasSubstr("did not present"));
  // The client learns it from the alert.
  pair.client.plain_out.add("anyone?");
  pair.pump();
  EXPECT_TRUE(pair.client.closed);
}

TEST_F(SslSocketTest, ClientCertificateFromAnotherCaCountsFailVerifyError) {
  TestCa other("another root");
  CertAndKey stranger = other.issue({.uri_sans = {kClientId}});
  TlsPair pair(clientContext(makeConfig(false, &stranger, &ca_.certPem())),
               serverContext(mtlsServer()));
  pair.pump();
  EXPECT_TRUE(pair.server.closed);
  EXPECT_EQ(counter("listener.server.ssl.fail_verify_error"), 1);
  EXPECT_EQ(counter("listener.server.ssl.fail_verify_san"), 0);
  EXPECT_THAT(std::string(pair.server.socket->failureReason()),
              HasSubstr("unable to get local issuer"));
}

TEST_F(SslSocketTest, ExpiredClientCertificateCountsFailVerifyError) {
  CertAndKey expired =
      ca_.issue({.uri_sans = {kClientId}, .not_before_s = -7200, .not_after_s = -3600});
  TlsPair pair(clientContext(makeConfig(false, &expired, &ca_.certPem())),
               serverContext(mtlsServer()));
  pair.pump();
  EXPECT_TRUE(pair.server.closed);
  EXPECT_EQ(counter("listener.server.ssl.fail_verify_error"), 1);
  EXPECT_THAT(std::string(pair.server.socket->failureReason()), HasSubstr("expired"));
}

TEST_F(SslSocketTest, WrongSpiffeIdCountsFailVerifySan) {
  auto server = mtlsServer();
  envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher m;
  m.set_san_type(envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher::URI);
  m.mutable_matcher()->set_exact("spiffe://cluster.local/ns/default/sa/someone-else");
  server->validation->san_matchers.push_back(*SanMatcher::fromProto(m));
  TlsPair pair(clientContext(mtlsClient()), serverContext(server));
  pair.pump();
  EXPECT_TRUE(pair.server.closed);
  EXPECT_EQ(counter("listener.server.ssl.fail_verify_san"), 1);
  EXPECT_EQ(counter("listener.server.ssl.fail_verify_error"), 0);
  EXPECT_THAT(std::string(pair.server.socket->failureReason()), HasSubstr(kClientId));
}

TEST_F(SslSocketTest, UpstreamWithTheWrongSanIsRefusedByTheClient) {
  auto client = mtlsClient();
  envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher m;
  m.set_san_type(envoy::extensions::transport_sockets::tls::v3::SubjectAltNameMatcher::URI);
  m.mutable_matcher()->set_prefix("spiffe://other-domain/");
  client->validation->san_matchers.push_back(*SanMatcher::fromProto(m));
  TlsPair pair(clientContext(client), serverContext(mtlsServer()));
  pair.pump();
  EXPECT_TRUE(pair.client.closed);
  EXPECT_FALSE(pair.client.connected);
  EXPECT_EQ(counter("listener.client.ssl.fail_verify_san"), 1);
  EXPECT_EQ(counter("listener.client.ssl.connection_error"), 1);
}

TEST_F(SslSocketTest, GarbageInsteadOfAClientHelloFails) {
  auto server_ctx = serverContext(mtlsServer());
  Side server;
  server.socket = std::make_unique<SslSocket>(server_ctx, "");
  server.socket->bind(server.raw_in, server.raw_out);
  server.raw_in.add("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  server.take(server.socket->doRead(server.plain_in));
  EXPECT_TRUE(server.closed);
  EXPECT_EQ(counter("listener.server.ssl.connection_error"), 1);
}

TEST_F(SslSocketTest, AlpnIsNegotiated) {
  auto server = mtlsServer();
  server->alpn_wire = std::string("\x02h2\x08http/1.1", 12);
  auto client = mtlsClient();
  client->alpn_wire = std::string("\x08http/1.1", 9);
  TlsPair pair(clientContext(client), serverContext(server));
  ASSERT_TRUE(pair.handshake());
  EXPECT_EQ(pair.server.socket->ssl()->alpn(), "http/1.1");
  EXPECT_EQ(pair.client.socket->ssl()->alpn(), "http/1.1");
}

TEST_F(SslSocketTest, SniIsSentAndSeen) {
  auto client = mtlsClient();
  client->sni = "backend.default.svc";
  TlsPair pair(clientContext(client), serverContext(mtlsServer()));
  ASSERT_TRUE(pair.handshake());
  EXPECT_EQ(pair.server.socket->ssl()->serverName(), "backend.default.svc");
}

TEST_F(SslSocketTest, AKeyThatDoesNotMatchItsCertificateIsAConfigError) {
  CertAndKey mismatched{server_cert_.cert_pem, meshproxy::testing::generateKeyPem()};
  auto provider = std::make_shared<TlsContextProvider>(
      makeConfig(true, &mismatched, nullptr), SslStats::create(store_.scope("listener", "bad")));
  auto status = provider->rebuild(nullptr);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("does not match"));
  EXPECT_EQ(provider->current(), nullptr);
}

}  // namespace
}  // namespace meshproxy::tls::testing
