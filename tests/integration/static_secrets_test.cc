// static_resources.secrets: a listener's TLS context names a secret without sds_config and
// gets it from the bootstrap; /config_dump shows the bootstrap with the key redacted.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "tests/integration/tls_test_util.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StaticSecretsTest, AListenerUsesAStaticSecretByName) {
  TestServerProcess app{{.mode = "http", .name = "app"}};
  ASSERT_TRUE(app.ready());
  TestPki pki;
  CertFiles backend =
      pki.issue("backend",
                {.common_name = "backend", .uri_sans = {kBackendId}, .dns_sans = {"backend.test"}});
  // The key inline (JSON-escaped newlines), as control planes put it in config dumps.
  const std::string key = absl::StrReplaceAll(readFileText(backend.key), {{"\n", "\\n"}});
  ASSERT_THAT(key, HasSubstr("PRIVATE KEY"));
  const int port = pickFreePort();
  std::string yaml = tlsBootstrapYaml(
      {{.port = port,
        .transport_socket =
            "{name: envoy.transport_sockets.tls, typed_config: {\"@type\": "
            "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext, "
            "common_tls_context: {tls_certificate_sds_secret_configs: [{name: backend-cert}]}}}"}},
      {{.name = "app", .port = app.port()}});
  yaml +=
      "  secrets:\n"
      "  - name: backend-cert\n"
      "    tls_certificate:\n"
      "      certificate_chain: {filename: \"" +
      backend.cert +
      "\"}\n"
      "      private_key: {inline_string: \"" +
      key + "\"}\n";
  MeshproxyProcess proxy(yaml);
  ASSERT_TRUE(proxy.ready());
  auto r = curlTls(port, {"--cacert", pki.caPath()});
  ASSERT_TRUE(r.ok()) << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("\n200"));

  auto dump = proxy.adminGet("/config_dump");
  ASSERT_EQ(dump.status, 200);
  EXPECT_THAT(dump.body, HasSubstr("backend-cert"));
  EXPECT_THAT(dump.body, HasSubstr("[redacted]"));
  EXPECT_THAT(dump.body, Not(HasSubstr("PRIVATE KEY")));
}

TEST(StaticSecretsTest, ADuplicateStaticSecretStopsTheStart) {
  TestPki pki;
  CertFiles backend = pki.issue("backend", {.common_name = "backend"});
  std::string secret =
      "  - name: twice\n"
      "    tls_certificate:\n"
      "      certificate_chain: {filename: \"" +
      backend.cert + "\"}\n      private_key: {filename: \"" + backend.key + "\"}\n";
  std::string yaml = tlsBootstrapYaml({{.port = pickFreePort()}}, {{.name = "app", .port = 1}}) +
                     "  secrets:\n" + secret + secret;
  MeshproxyProcess proxy(yaml, {.wait_ready = false});
  EXPECT_EQ(proxy.process().waitExit(absl::Seconds(10)), 1);
  EXPECT_THAT(proxy.process().stderrText(),
              HasSubstr("static_resources.secrets[1] 'twice': duplicate name"));
}

}  // namespace
}  // namespace meshproxy::testing
