// meshproxy --mode validate: translates the whole config and exits 0 or 1 without opening a
// socket (a port the config names can be taken), starting workers or connecting to xDS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "tests/support/binaries.h"
#include "tests/support/bootstrap_yaml.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace meshproxy::testing {
namespace {

using ::testing::HasSubstr;

CommandResult validate(const std::string& path) {
  return runCommand({binPath("meshproxy"), "--mode", "validate", "-c", path}, absl::Seconds(10));
}

// Holds a listening socket on 127.0.0.1:port until destroyed.
class TakenPort {
 public:
  TakenPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    EXPECT_EQ(::listen(fd_, 1), 0);
    socklen_t len = sizeof(sa);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
  }
  ~TakenPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(ValidateModeTest, AValidConfigIsSummarisedWithoutBindingAnything) {
  TakenPort listener;
  TakenPort admin;
  std::string yaml =
      tcpProxyBootstrapYaml({.listener_port = listener.port(), .upstream_ports = {1}});
  yaml = absl::StrCat("admin: { address: { socket_address: { address: 127.0.0.1, port_value: ",
                      admin.port(), " } } }\n", yaml);
  TempDir dir;
  auto r = validate(dir.writeFile("b.yaml", yaml));
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr(": valid"));
  EXPECT_THAT(r.stdout_text, HasSubstr("listeners: 1"));
  EXPECT_THAT(r.stdout_text, HasSubstr(absl::StrCat("127.0.0.1:", listener.port())));
  EXPECT_THAT(r.stdout_text, HasSubstr("clusters: 1"));
  // serve on the same file fails: the port is taken. validate never tried to bind it.
  auto serve =
      runCommand({binPath("meshproxy"), "-c", dir.filePath("b.yaml"), "--concurrency", "1"},
                 absl::Seconds(10));
  EXPECT_EQ(serve.exit_code, 1);
}

TEST(ValidateModeTest, AnInvalidConfigExitsOneWithTheReason) {
  TempDir dir;
  std::string yaml =
      tcpProxyBootstrapYaml({.listener_port = pickFreePort(), .upstream_ports = {1}});
  yaml.replace(yaml.find("    filter_chains:"), 0, "    tcp_backlog_size: 64\n");
  auto r = validate(dir.writeFile("b.yaml", yaml));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("invalid: "));
  EXPECT_THAT(r.stderr_text, HasSubstr("unsupported field 'tcp_backlog_size'"));
  EXPECT_EQ(validate(dir.filePath("missing.yaml")).exit_code, 1);
}

TEST(ValidateModeTest, AnExtensionMeshproxyDoesNotImplementIsNamed) {
  TempDir dir;
  HttpBootstrap b{.listener_port = pickFreePort(), .clusters = {{.name = "backend", .ports = {1}}}};
  std::string yaml = httpBootstrapYaml(b);
  yaml.replace(yaml.find("          - name: envoy.filters.http.router"), 0,
               R"(          - name: envoy.filters.http.lua
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua
              default_source_code: { inline_string: "function envoy_on_request(h) end" }
)");
  auto r = validate(dir.writeFile("b.yaml", yaml));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text,
              HasSubstr("unsupported extension 'envoy.filters.http.lua' "
                        "(type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua)"));
}

TEST(ValidateModeTest, TheAdsSourceIsCheckedButNotContacted) {
  TempDir dir;
  // Nothing listens on the ADS port: validate does not connect.
  auto r = validate(dir.writeFile("b.yaml", adsBootstrapYaml("node: { id: n }", "127.0.0.1", 1)));
  EXPECT_EQ(r.exit_code, 0) << r.stderr_text;
  EXPECT_THAT(r.stdout_text, HasSubstr("ADS to ipv4:127.0.0.1:1 (CDS, LDS)"));
  std::string no_http2 = adsBootstrapYaml("node: { id: n }", "127.0.0.1", 1);
  no_http2.replace(no_http2.find("explicit_http_config: { http2_protocol_options: {} }"), 52,
                   "explicit_http_config: { http_protocol_options: {} }");
  r = validate(dir.writeFile("c.yaml", no_http2));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.stderr_text, HasSubstr("must declare HTTP/2"));
}

}  // namespace
}  // namespace meshproxy::testing
