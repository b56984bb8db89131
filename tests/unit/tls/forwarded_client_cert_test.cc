// x-forwarded-client-cert per forward_client_cert_details, in Envoy's format.
#include "proxy/http/forwarded_client_cert.h"

#include <gtest/gtest.h>

namespace meshproxy::http {
namespace {

class FakeSsl : public network::SslConnectionInfo {
 public:
  const std::string& protocol() const override { return empty_; }
  const std::string& cipher() const override { return empty_; }
  const std::string& alpn() const override { return empty_; }
  const std::string& serverName() const override { return empty_; }
  bool sessionReused() const override { return false; }
  bool peerCertificatePresented() const override { return presented; }
  const std::vector<std::string>& peerUriSans() const override { return uris; }
  const std::string& peerUriSan() const override { return uris.empty() ? empty_ : uris[0]; }
  const std::vector<std::string>& peerDnsSans() const override { return dns; }
  const std::string& peerSubject() const override { return subject; }
  const std::string& peerCertSha256() const override { return hash; }
  std::string urlEncodedPeerCertPem() const override { return "PEM"; }
  std::string urlEncodedPeerChainPem() const override { return "CHAIN"; }
  const std::vector<std::string>& localUriSans() const override { return local; }

  bool presented = true;
  std::vector<std::string> uris{"spiffe://td/ns/a/sa/client"};
  std::vector<std::string> dns{"client.a.svc"};
  std::string subject = "CN=client,O=test";
  std::string hash = "abc123";
  std::vector<std::string> local{"spiffe://td/ns/b/sa/server"};

 private:
  std::string empty_;
};

std::string xfcc(const HeaderMap& h) {
  return std::string(h.get("x-forwarded-client-cert").value_or("<none>"));
}

TEST(ForwardedClientCertTest, SanitizeSetReplacesWithOurElement) {
  FakeSsl ssl;
  HeaderMap h{{"x-forwarded-client-cert", "By=forged"}};
  mutateForwardedClientCert(h, ForwardClientCert::kSanitizeSet,
                            {.subject = true, .uri = true, .dns = true}, &ssl);
  EXPECT_EQ(xfcc(h),
            "By=spiffe://td/ns/b/sa/server;Hash=abc123;Subject=\"CN=client,O=test\";"
            "URI=spiffe://td/ns/a/sa/client;DNS=client.a.svc");
}

TEST(ForwardedClientCertTest, AppendForwardKeepsWhatCameIn) {
  FakeSsl ssl;
  HeaderMap h{{"x-forwarded-client-cert", "By=upstream-hop;Hash=00"}};
  mutateForwardedClientCert(h, ForwardClientCert::kAppendForward, {.uri = true}, &ssl);
  EXPECT_EQ(xfcc(h),
            "By=upstream-hop;Hash=00,By=spiffe://td/ns/b/sa/server;Hash=abc123;"
            "URI=spiffe://td/ns/a/sa/client");
}

TEST(ForwardedClientCertTest, CertAndChainAreQuotedUrlEncodedPem) {
  FakeSsl ssl;
  HeaderMap h;
  mutateForwardedClientCert(h, ForwardClientCert::kSanitizeSet, {.cert = true, .chain = true},
                            &ssl);
  EXPECT_EQ(xfcc(h), "By=spiffe://td/ns/b/sa/server;Hash=abc123;Cert=\"PEM\";Chain=\"CHAIN\"");
}

TEST(ForwardedClientCertTest, UriKeyStaysWhenThePeerHasNoUriSan) {
  FakeSsl ssl;
  ssl.uris.clear();
  HeaderMap h;
  mutateForwardedClientCert(h, ForwardClientCert::kSanitizeSet, {.uri = true}, &ssl);
  EXPECT_EQ(xfcc(h), "By=spiffe://td/ns/b/sa/server;Hash=abc123;URI=");
}

TEST(ForwardedClientCertTest, SanitizeAndNonMutualTlsRemoveTheHeader) {
  FakeSsl ssl;
  HeaderMap h{{"x-forwarded-client-cert", "By=forged"}};
  mutateForwardedClientCert(h, ForwardClientCert::kSanitize, {.uri = true}, &ssl);
  EXPECT_EQ(xfcc(h), "<none>");
  // Plaintext, or TLS without a client certificate: a client cannot claim an identity.
  for (auto mode : {ForwardClientCert::kForwardOnly, ForwardClientCert::kAppendForward,
                    ForwardClientCert::kSanitizeSet}) {
    HeaderMap plain{{"x-forwarded-client-cert", "By=forged"}};
    mutateForwardedClientCert(plain, mode, {.uri = true}, nullptr);
    EXPECT_EQ(xfcc(plain), "<none>");
  }
  ssl.presented = false;
  HeaderMap no_cert{{"x-forwarded-client-cert", "By=forged"}};
  mutateForwardedClientCert(no_cert, ForwardClientCert::kSanitizeSet, {.uri = true}, &ssl);
  EXPECT_EQ(xfcc(no_cert), "<none>");
}

TEST(ForwardedClientCertTest, ForwardOnlyModesPassTheHeaderThrough) {
  FakeSsl ssl;
  HeaderMap h{{"x-forwarded-client-cert", "By=earlier"}};
  mutateForwardedClientCert(h, ForwardClientCert::kForwardOnly, {.uri = true}, &ssl);
  EXPECT_EQ(xfcc(h), "By=earlier");
  HeaderMap plain{{"x-forwarded-client-cert", "By=earlier"}};
  mutateForwardedClientCert(plain, ForwardClientCert::kAlwaysForwardOnly, {.uri = true}, nullptr);
  EXPECT_EQ(xfcc(plain), "By=earlier");
}

}  // namespace
}  // namespace meshproxy::http
