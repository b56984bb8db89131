// envoy.transport_sockets.tls on listeners and clusters: what is accepted, what is refused.
#include "proxy/config/transport_socket_translator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "envoy/config/core/v3/base.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "proxy/config/listener_translator.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/tls/secret_manager.h"
#include "proxy/tls/ssl_socket_factory.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certs.h"

namespace meshproxy::config {
namespace {

using ::testing::HasSubstr;

class TransportSocketTranslatorTest : public ::testing::Test {
 protected:
  TransportSocketTranslatorTest() {
    auto cert = ca_.issue({.uri_sans = {"spiffe://td/ns/a/sa/b"}});
    cert_path_ = dir_.writeFile("cert.pem", cert.cert_pem);
    key_path_ = dir_.writeFile("key.pem", cert.key_pem);
    ca_path_ = dir_.writeFile("ca.pem", ca_.certPem());
    other_key_path_ = dir_.writeFile("other-key.pem", meshproxy::testing::generateKeyPem());
  }

  absl::StatusOr<network::TransportSocketFactorySharedPtr> translate(const std::string& yaml,
                                                                     TransportSide side) {
    envoy::config::core::v3::TransportSocket proto;
    auto json = yamlToJson(yaml);
    EXPECT_TRUE(json.ok()) << json.status();
    auto s = protobuf::jsonToMessage(*json, &proto);
    EXPECT_TRUE(s.ok()) << s;
    secrets_list_.clear();
    return translateTransportSocket(proto, side, store_.scope("listener", "test"), context_,
                                    &secrets_list_, "listener 'test'");
  }

  std::string downstream(const std::string& common, const std::string& extra = "") {
    return "name: envoy.transport_sockets.tls\n"
           "typed_config:\n"
           "  \"@type\": "
           "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext\n" +
           extra + "  common_tls_context:\n" + common;
  }
  std::string certs() {
    return "    tls_certificates:\n"
           "    - certificate_chain: { filename: " +
           cert_path_ +
           " }\n"
           "      private_key: { filename: " +
           key_path_ + " }\n";
  }

  meshproxy::testing::TempDir dir_;
  meshproxy::testing::TestCa ca_;
  std::string cert_path_, key_path_, ca_path_, other_key_path_;
  stats::Store store_;
  tls::SecretManager secrets_{nullptr, &store_};
  TranslationContext context_{.stats = store_, .concurrency = 1, .secrets = &secrets_};
  std::vector<std::string> secrets_list_;
};

TEST_F(TransportSocketTranslatorTest, RawBufferIsTheRawTransport) {
  auto r = translate(
      "name: envoy.transport_sockets.raw_buffer\n"
      "typed_config: { \"@type\": "
      "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer }\n",
      TransportSide::kDownstream);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, nullptr);
  r = translate("name: envoy.transport_sockets.raw_buffer\n", TransportSide::kUpstream);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, nullptr);
}

TEST_F(TransportSocketTranslatorTest, DownstreamWithFilesAndValidation) {
  auto r =
      translate(downstream(certs() +
                               "    tls_params: { tls_minimum_protocol_version: TLSv1_2, "
                               "tls_maximum_protocol_version: TLSv1_3, cipher_suites: "
                               "['[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]'], "
                               "ecdh_curves: [X25519, P-256] }\n"
                               "    alpn_protocols: [h2, http/1.1]\n"
                               "    validation_context:\n"
                               "      trusted_ca: { filename: " +
                               ca_path_ +
                               " }\n"
                               "      match_typed_subject_alt_names:\n"
                               "      - san_type: URI\n"
                               "        matcher: { prefix: \"spiffe://td/\" }\n",
                           "  require_client_certificate: true\n"),
                TransportSide::kDownstream);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_NE(*r, nullptr);
  auto* factory = dynamic_cast<const tls::SslSocketFactory*>(r->get());
  ASSERT_NE(factory, nullptr);
  auto context = factory->provider()->current();
  ASSERT_NE(context, nullptr);
  EXPECT_TRUE(context->config().require_client_certificate);
  EXPECT_EQ(context->config().cipher_list,
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305");
  EXPECT_EQ(context->caCertificateInfo().size(), 1u);
  EXPECT_EQ(context->certificateChainInfo()[0].source, cert_path_);
  EXPECT_TRUE(secrets_list_.empty());
}

TEST_F(TransportSocketTranslatorTest, KeyThatDoesNotMatchItsCertificateIsRefused) {
  auto r = translate(downstream("    tls_certificates:\n"
                                "    - certificate_chain: { filename: " +
                                cert_path_ +
                                " }\n"
                                "      private_key: { filename: " +
                                other_key_path_ + " }\n"),
                     TransportSide::kDownstream);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("does not match"));
}

TEST_F(TransportSocketTranslatorTest, UnsupportedFieldsAreNamed) {
  auto r = translate(downstream(certs() + "    key_log: { path: /tmp/keys }\n"),
                     TransportSide::kDownstream);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("unsupported field"));
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("key_log"));
  r = translate(
      "name: envoy.transport_sockets.tls\n"
      "typed_config:\n"
      "  \"@type\": "
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext\n"
      "  allow_renegotiation: true\n",
      TransportSide::kUpstream);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("allow_renegotiation"));
}

TEST_F(TransportSocketTranslatorTest, ContextTypeMustFitTheSide) {
  auto r = translate(downstream(certs()), TransportSide::kUpstream);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("UpstreamTlsContext"));
}

TEST_F(TransportSocketTranslatorTest, ServerNeedsACertificateAndRequiringClientsNeedsACa) {
  EXPECT_FALSE(
      translate(downstream("    alpn_protocols: [h2]\n"), TransportSide::kDownstream).ok());
  auto r = translate(downstream(certs(), "  require_client_certificate: true\n"),
                     TransportSide::kDownstream);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("require_client_certificate"));
}

TEST_F(TransportSocketTranslatorTest, UnknownCipherIsRefused) {
  auto r = translate(downstream(certs() + "    tls_params: { cipher_suites: [NOT-A-CIPHER] }\n"),
                     TransportSide::kDownstream);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("NOT-A-CIPHER"));
}

TEST_F(TransportSocketTranslatorTest, SdsSecretsAreDependenciesAndTheContextWaitsForThem) {
  auto r =
      translate(downstream("    tls_certificate_sds_secret_configs:\n"
                           "    - name: default\n"
                           "      sds_config: { ads: {}, resource_api_version: V3 }\n"
                           "    combined_validation_context:\n"
                           "      default_validation_context:\n"
                           "        match_typed_subject_alt_names:\n"
                           "        - { san_type: URI, matcher: { prefix: \"spiffe://td/\" } }\n"
                           "      validation_context_sds_secret_config:\n"
                           "        name: ROOTCA\n"
                           "        sds_config: { ads: {} }\n",
                           "  require_client_certificate: true\n"),
                TransportSide::kDownstream);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(secrets_list_, ::testing::ElementsAre("default", "ROOTCA"));
  EXPECT_THAT(secrets_.referencedSecrets(), ::testing::ElementsAre("ROOTCA", "default"));
  std::string failure;
  EXPECT_EQ((*r)->create({}, &failure), nullptr);
  EXPECT_THAT(failure, HasSubstr("SDS"));
}

TEST_F(TransportSocketTranslatorTest, ListenerRecordsItsSecrets) {
  std::string yaml =
      "name: inbound\n"
      "address: { socket_address: { address: 127.0.0.1, port_value: 15006 } }\n"
      "filter_chains:\n"
      "- transport_socket:\n" +
      [&] {
        std::string ts =
            downstream("    tls_certificate_sds_secret_configs: [{ name: default }]\n");
        std::string indented;
        for (absl::string_view line : absl::StrSplit(ts, '\n')) {
          if (!line.empty()) absl::StrAppend(&indented, "    ", line, "\n");
        }
        return indented;
      }() +
      "  filters:\n"
      "  - name: envoy.filters.network.tcp_proxy\n"
      "    typed_config: { \"@type\": "
      "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, stat_prefix: "
      "in, cluster: app }\n";
  envoy::config::listener::v3::Listener proto;
  auto json = yamlToJson(yaml);
  ASSERT_TRUE(json.ok()) << json.status();
  ASSERT_TRUE(protobuf::jsonToMessage(*json, &proto).ok());
  auto listener = config::translateListener(proto, context_);
  ASSERT_TRUE(listener.ok()) << listener.status();
  EXPECT_THAT((*listener)->secrets, ::testing::ElementsAre("default"));
  EXPECT_NE((*listener)->chains.entries()[0].chain->transport_socket, nullptr);
}

}  // namespace
}  // namespace meshproxy::config
