// Listener socket options: freebind lets a listener bind an address the machine does not
// have (yet); transparent needs CAP_NET_ADMIN, which these tests run with.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/integration/capture_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/meshproxy_process.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"

namespace meshproxy::testing {
namespace {

std::string bootstrapOn(const std::string& address, int port, const std::string& extra) {
  ListenerSpec l{.name = "l",
                 .address = address,
                 .port = port,
                 .chains = {{.filter = tcpProxyFilter("t", "c")}},
                 .extra = extra};
  return captureBootstrapYaml({l}, {{"c", {"127.0.0.1:1"}}});
}

TEST(ListenerSocketOptionsTest, FreebindBindsAForeignAddress) {
  // 192.0.2.55 (TEST-NET-1) is on no interface here.
  int port = pickFreePort();
  TempDir dir;
  CommandResult without = runCommand(
      {binPath("meshproxy"), "-c", dir.writeFile("a.yaml", bootstrapOn("192.0.2.55", port, "")),
       "--admin-address", fmt::format("127.0.0.1:{}", pickFreePort())},
      absl::Seconds(10));
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_NE(without.stderr_text.find("cannot bind 192.0.2.55"), std::string::npos)
      << without.stderr_text;

  MeshproxyProcess with(bootstrapOn("192.0.2.55", port, "    freebind: true\n"));
  EXPECT_TRUE(with.ready());
  EXPECT_NE(with.adminGet("/listeners").body.find("192.0.2.55"), std::string::npos);
}

TEST(ListenerSocketOptionsTest, TransparentIsSetOnTheSocketAndNeedsCapNetAdmin) {
  int port = pickFreePort();
  std::string yaml = bootstrapOn("127.0.0.1", port, "    transparent: true\n");
  // As root (CAP_NET_ADMIN) the listener starts.
  {
    MeshproxyProcess proxy(yaml);
    EXPECT_TRUE(proxy.ready());
  }
  // Without the capability the kernel refuses IP_TRANSPARENT: proof that it is really set.
  TempDir dir;
  std::string path = dir.writeFile("b.yaml", yaml);
  ::chmod(dir.path().c_str(), 0755);
  ::chmod(path.c_str(), 0644);
  CommandResult r = runCommand(
      {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binPath("meshproxy"), "-c",
       path, "--admin-address", fmt::format("127.0.0.1:{}", pickFreePort())},
      absl::Seconds(10));
  if (r.exit_code == 127 || r.stderr_text.find("setpriv:") != std::string::npos) {
    GTEST_SKIP() << "cannot drop privileges here: " << r.stderr_text;
  }
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.stderr_text.find("IP_TRANSPARENT"), std::string::npos) << r.stderr_text;
}

}  // namespace
}  // namespace meshproxy::testing
