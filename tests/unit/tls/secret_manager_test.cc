// SDS secrets and certificate files: validation, swap on update, rotation of files,
// /certs and the expiry gauge.
#include "proxy/tls/secret_manager.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "envoy/extensions/transport_sockets/tls/v3/secret.pb.h"
#include "proxy/tls/ssl_socket_factory.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/tls/tls_test_util.h"

namespace meshproxy::tls::testing {
namespace {

using ::testing::HasSubstr;
using Secret = envoy::extensions::transport_sockets::tls::v3::Secret;

Secret certificateSecret(const std::string& name, const CertAndKey& cert) {
  Secret s;
  s.set_name(name);
  s.mutable_tls_certificate()->mutable_certificate_chain()->set_inline_bytes(cert.cert_pem);
  s.mutable_tls_certificate()->mutable_private_key()->set_inline_bytes(cert.key_pem);
  return s;
}

Secret caSecret(const std::string& name, const std::string& ca_pem) {
  Secret s;
  s.set_name(name);
  s.mutable_validation_context()->mutable_trusted_ca()->set_inline_bytes(ca_pem);
  return s;
}

class SecretManagerTest : public ::testing::Test {
 protected:
  std::shared_ptr<TlsContextProvider> sdsProvider() {
    auto config = std::make_shared<TlsContextConfig>();
    config->server = true;
    config->owner = "listener 'inbound'";
    config->certificate_sds = "default";
    config->validation_sds = "ROOTCA";
    config->require_client_certificate = true;
    auto provider = std::make_shared<TlsContextProvider>(
        config, SslStats::create(store_.scope("listener", "inbound")));
    EXPECT_TRUE(provider->rebuild(&secrets_).ok());
    secrets_.registerProvider(provider);
    return provider;
  }

  stats::Store store_;
  SecretManager secrets_{nullptr, &store_};
  TestCa ca_;
};

TEST_F(SecretManagerTest, ValidSecretsAreStoredAndContextsWaitForThem) {
  auto provider = sdsProvider();
  EXPECT_EQ(provider->current(), nullptr);
  EXPECT_EQ(provider->missingSecrets(&secrets_), "'default', 'ROOTCA'");
  auto cert = ca_.issue({.uri_sans = {"spiffe://td/ns/a/sa/b"}});
  ASSERT_TRUE(secrets_.setSecret(certificateSecret("default", cert)).ok());
  EXPECT_TRUE(secrets_.hasSecret("default"));
  EXPECT_NE(secrets_.certificate("default"), nullptr);
  EXPECT_EQ(secrets_.validationContext("default"), nullptr);
  EXPECT_EQ(provider->current(), nullptr);  // still waiting for ROOTCA
  ASSERT_TRUE(secrets_.setSecret(caSecret("ROOTCA", ca_.certPem())).ok());
  auto context = provider->current();
  ASSERT_NE(context, nullptr);
  EXPECT_THAT(context->localUriSans(), ::testing::ElementsAre("spiffe://td/ns/a/sa/b"));
  EXPECT_EQ(provider->missingSecrets(&secrets_), "");
}

TEST_F(SecretManagerTest, AMismatchedKeyIsRefusedAndTheOldSecretStays) {
  auto provider = sdsProvider();
  auto good = ca_.issue({.uri_sans = {"spiffe://td/one"}});
  ASSERT_TRUE(
      secrets_.setSecrets({certificateSecret("default", good), caSecret("ROOTCA", ca_.certPem())})
          .ok());
  auto before = provider->current();
  ASSERT_NE(before, nullptr);

  auto other = ca_.issue({.uri_sans = {"spiffe://td/two"}});
  CertAndKey mismatched{other.cert_pem, good.key_pem};
  auto status = secrets_.setSecret(certificateSecret("default", mismatched));
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("secret 'default'"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("does not match"));
  EXPECT_EQ(provider->current(), before);
  EXPECT_THAT(provider->current()->localUriSans(), ::testing::ElementsAre("spiffe://td/one"));
}

TEST_F(SecretManagerTest, ABadSecretInAResponseAppliesNoneOfIt) {
  auto cert = ca_.issue({});
  Secret garbage;
  garbage.set_name("ROOTCA");
  garbage.mutable_validation_context()->mutable_trusted_ca()->set_inline_bytes("not a PEM");
  auto status = secrets_.setSecrets({certificateSecret("default", cert), garbage});
  ASSERT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("secret 'ROOTCA'"));
  EXPECT_FALSE(secrets_.hasSecret("default"));
  Secret unsupported;
  unsupported.set_name("keys");
  unsupported.mutable_generic_secret();
  EXPECT_FALSE(secrets_.setSecret(unsupported).ok());
}

TEST_F(SecretManagerTest, RotationSwapsTheContextAndOpenConnectionsKeepTheirs) {
  auto provider = sdsProvider();
  ASSERT_TRUE(
      secrets_
          .setSecrets({certificateSecret("default", ca_.issue({.uri_sans = {"spiffe://td/v1"}})),
                       caSecret("ROOTCA", ca_.certPem())})
          .ok());
  std::shared_ptr<const SslContext> held = provider->current();  // as an open connection would
  ASSERT_TRUE(
      secrets_.setSecret(certificateSecret("default", ca_.issue({.uri_sans = {"spiffe://td/v2"}})))
          .ok());
  EXPECT_NE(provider->current(), held);
  EXPECT_THAT(provider->current()->localUriSans(), ::testing::ElementsAre("spiffe://td/v2"));
  EXPECT_THAT(held->localUriSans(), ::testing::ElementsAre("spiffe://td/v1"));
}

TEST_F(SecretManagerTest, ChangedFilesAreReloadedAndABadFileKeepsTheOldCertificate) {
  meshproxy::testing::TempDir dir;
  auto v1 = ca_.issue({.uri_sans = {"spiffe://td/file-v1"}});
  auto config = std::make_shared<TlsContextConfig>();
  config->server = true;
  config->owner = "listener 'files'";
  config->certificate = CertificateSpec{{dir.writeFile("cert.pem", v1.cert_pem), ""},
                                        {dir.writeFile("key.pem", v1.key_pem), ""}};
  auto provider =
      std::make_shared<TlsContextProvider>(config, SslStats::create(store_.scope("listener", "f")));
  ASSERT_TRUE(provider->rebuild(&secrets_).ok());
  secrets_.registerProvider(provider);
  auto first = provider->current();
  ASSERT_NE(first, nullptr);
  secrets_.checkFiles();
  EXPECT_EQ(provider->current(), first);  // nothing changed

  auto v2 = ca_.issue({.uri_sans = {"spiffe://td/file-v2"}});
  dir.writeFile("cert.pem", v2.cert_pem);
  dir.writeFile("key.pem", v2.key_pem);
  secrets_.checkFiles();
  ASSERT_NE(provider->current(), first);
  EXPECT_THAT(provider->current()->localUriSans(), ::testing::ElementsAre("spiffe://td/file-v2"));

  auto second = provider->current();
  dir.writeFile("cert.pem", "garbage");
  secrets_.checkFiles();
  EXPECT_EQ(provider->current(), second);
}

TEST_F(SecretManagerTest, CertsJsonAndExpiryGauge) {
  EXPECT_EQ(secrets_.daysUntilFirstCertExpiring(), 4294967295);
  auto provider = sdsProvider();
  auto cert = ca_.issue({.uri_sans = {"spiffe://td/ns/a/sa/b"},
                         .not_after_s = 10 * 24 * 3600 + 3600,
                         .serial = 0xabcdef});
  ASSERT_TRUE(
      secrets_.setSecrets({certificateSecret("default", cert), caSecret("ROOTCA", ca_.certPem())})
          .ok());
  EXPECT_EQ(secrets_.daysUntilFirstCertExpiring(), 10);
  EXPECT_EQ(store_.gauge(stats::StatName{"server.days_until_first_cert_expiring"}).value(), 10);
  std::string json = secrets_.certsJson();
  EXPECT_THAT(json, HasSubstr("\"serial_number\":\"abcdef\""));
  EXPECT_THAT(json, HasSubstr("{\"uri\":\"spiffe://td/ns/a/sa/b\"}"));
  EXPECT_THAT(json, HasSubstr("\"secret_name\":\"default\""));
  EXPECT_THAT(json, HasSubstr("\"days_until_expiration\":\"10\""));
  EXPECT_THAT(json, HasSubstr("\"ca_cert\":[{\"path\":\"<inline>\",\"secret_name\":\"ROOTCA\""));
  EXPECT_THAT(json, HasSubstr("\"owner\":\"listener 'inbound'\""));
}

TEST_F(SecretManagerTest, ProvidersGoAwayWithTheirConfigs) {
  {
    auto provider = sdsProvider();
    EXPECT_THAT(secrets_.referencedSecrets(), ::testing::ElementsAre("ROOTCA", "default"));
  }
  EXPECT_TRUE(secrets_.referencedSecrets().empty());
}

}  // namespace
}  // namespace meshproxy::tls::testing

namespace meshproxy::tls::testing {
namespace {

TEST_F(SecretManagerTest, StaticSecretsAreThereFromTheStartAndNeverSubscribed) {
  auto cert = ca_.issue({.uri_sans = {"spiffe://td/ns/a/sa/b"}});
  ASSERT_TRUE(
      secrets_
          .addStaticSecrets({certificateSecret("default", cert), caSecret("ROOTCA", ca_.certPem())})
          .ok());
  EXPECT_TRUE(secrets_.isStatic("default"));
  EXPECT_TRUE(secrets_.isStatic("ROOTCA"));
  EXPECT_FALSE(secrets_.isStatic("other"));
  auto provider = sdsProvider();
  EXPECT_EQ(provider->missingSecrets(&secrets_), "");
}

TEST_F(SecretManagerTest, ABadOrDuplicateStaticSecretIsRejectedByName) {
  auto cert = ca_.issue({.uri_sans = {"spiffe://td/ns/a/sa/b"}});
  auto duplicate = secrets_.addStaticSecrets(
      {certificateSecret("default", cert), caSecret("default", ca_.certPem())});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_THAT(std::string(duplicate.message()),
              ::testing::HasSubstr("static_resources.secrets[1] 'default': duplicate name"));
  Secret empty;
  empty.set_name("nothing");
  auto bad = secrets_.addStaticSecrets({empty});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.message()),
              ::testing::HasSubstr("static_resources.secrets[0] 'nothing'"));
  EXPECT_FALSE(secrets_.hasSecret("default"));
  EXPECT_FALSE(secrets_.isStatic("nothing"));
}

}  // namespace
}  // namespace meshproxy::tls::testing
