// original_dst, use_original_dst and the ORIGINAL_DST cluster with real iptables REDIRECT, in
// a network namespace the test creates (it needs root; without `ip netns add` it skips and
// says why). Inside the namespace: lo up, addresses 10.77.0.1 and 10.77.0.2 that exist only
// there, the apps on them, meshproxy, and one nat rule sending TCP to 10.77.0.0/24 to 15001.
// meshproxy's own upstream connections bind 127.0.0.6 (upstream_bind_config) and the rule
// skips that source, as Istio's inbound passthrough does, so they are not captured again.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/integration/capture_test_util.h"
#include "tests/integration/http_test_util.h"
#include "tests/support/binaries.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

// A network namespace for one test, deleted in the destructor (after the processes in it,
// which are declared later and so destroyed first).
class Netns {
 public:
  Netns() {
    static std::atomic<int> counter{0};
    name_ = fmt::format("mp-test-{}-{}", ::getpid(), counter++);
    CommandResult add = runCommand({"ip", "netns", "add", name_}, absl::Seconds(10));
    if (!add.ok()) {
      skip_reason_ = "ip netns add failed (needs root and netns support): " + add.stderr_text;
      return;
    }
    created_ = true;
    for (auto cmd : std::vector<std::vector<std::string>>{
             {"ip", "link", "set", "lo", "up"},
             {"ip", "addr", "add", "10.77.0.1/32", "dev", "lo"},
             {"ip", "addr", "add", "10.77.0.2/32", "dev", "lo"},
             {"iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "10.77.0.0/24", "!", "-s",
              "127.0.0.6", "-j", "REDIRECT", "--to-ports", "15001"}}) {
      CommandResult r = exec(cmd);
      if (!r.ok()) {
        skip_reason_ = "setting up the namespace failed: " + r.stderr_text;
        return;
      }
    }
    // IPv6: the same with fd00:77::/64; fd00:77::6 plays 127.0.0.6 (Istio uses ::6).
    ipv6_ = true;
    for (auto cmd : std::vector<std::vector<std::string>>{
             {"ip", "addr", "add", "fd00:77::1/128", "dev", "lo", "nodad"},
             {"ip", "addr", "add", "fd00:77::2/128", "dev", "lo", "nodad"},
             {"ip", "addr", "add", "fd00:77::6/128", "dev", "lo", "nodad"},
             {"ip6tables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-d", "fd00:77::/64", "!",
              "-s", "fd00:77::6", "-j", "REDIRECT", "--to-ports", "15001"}}) {
      CommandResult r = exec(cmd);
      if (!r.ok()) {
        ipv6_ = false;
        ipv6_skip_reason_ = "IPv6 setup in the namespace failed: " + r.stderr_text;
        break;
      }
    }
  }
  bool ipv6() const { return ipv6_; }
  const std::string& ipv6SkipReason() const { return ipv6_skip_reason_; }
  ~Netns() {
    if (created_) runCommand({"ip", "netns", "del", name_}, absl::Seconds(10));
  }
  bool usable() const { return skip_reason_.empty(); }
  const std::string& skipReason() const { return skip_reason_; }

  std::vector<std::string> wrap(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"ip", "netns", "exec", name_});
    return argv;
  }
  CommandResult exec(const std::vector<std::string>& argv,
                     absl::Duration timeout = absl::Seconds(20)) const {
    return runCommand(wrap(argv), timeout);
  }
  CommandResult curl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"curl", "-sS", "--max-time", "10"};
    argv.insert(argv.end(), args.begin(), args.end());
    return exec(argv);
  }
  // Sends `data` over TCP to ip:port from inside the namespace and returns what comes back.
  CommandResult tcpExchange(const std::string& ip, int port, const std::string& data,
                            size_t reply_bytes) const {
    return exec({"timeout", "10", "bash", "-c",
                 fmt::format("exec 3<>/dev/tcp/{}/{}; printf '%s' '{}' >&3; head -c {} <&3", ip,
                             port, data, reply_bytes)});
  }

 private:
  std::string name_;
  std::string skip_reason_;
  std::string ipv6_skip_reason_;
  bool created_ = false;
  bool ipv6_ = false;
};

// A process started inside the namespace that prints `ready_text` when it is up.
std::unique_ptr<Process> startIn(const Netns& ns, std::vector<std::string> argv,
                                 const std::string& ready_text, bool on_stderr = false) {
  auto p = std::make_unique<Process>(ns.wrap(std::move(argv)));
  bool up = waitUntil(
      [&]() {
        std::string text = on_stderr ? p->stderrText() : p->stdoutText();
        return text.find(ready_text) != std::string::npos || !p->running();
      },
      absl::Seconds(10));
  EXPECT_TRUE(up && p->running()) << p->commandLine() << "\n" << p->stderrTail();
  return p;
}

std::unique_ptr<Process> testServer(const Netns& ns, const std::string& listen,
                                    const std::string& mode, const std::string& name) {
  return startIn(ns,
                 {binPath("mesh-test-server"), "--listen", listen, "--mode", mode, "--name", name},
                 "listening on");
}

constexpr int kAdminPort = 15000;

class MeshproxyInNetns {
 public:
  MeshproxyInNetns(const Netns& ns, const std::string& yaml) : ns_(ns) {
    std::string path = dir_.writeFile("bootstrap.yaml", yaml);
    process_ = std::make_unique<Process>(ns.wrap(
        {binPath("meshproxy"), "-c", path, "--admin-address",
         fmt::format("127.0.0.1:{}", kAdminPort), "--concurrency", "2", "--log-level", "debug"}));
    ready_ = waitUntil(
        [&]() {
          if (!process_->running()) return true;
          CommandResult r = ns_.curl({fmt::format("http://127.0.0.1:{}/ready", kAdminPort)});
          return r.ok();
        },
        absl::Seconds(10));
    ready_ = ready_ && process_->running();
    EXPECT_TRUE(ready_) << process_->stderrTail();
  }
  ~MeshproxyInNetns() {
    process_->stop(absl::Seconds(5));
    if (::testing::Test::HasFailure()) fprintf(stderr, "%s\n", process_->stderrTail(8192).c_str());
  }
  bool ready() const { return ready_; }
  int64_t stat(const std::string& name) {
    CommandResult r = ns_.curl({fmt::format("http://127.0.0.1:{}/stats", kAdminPort)});
    for (absl::string_view line : absl::StrSplit(r.stdout_text, '\n')) {
      std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, ": ");
      int64_t v = 0;
      if (kv.first == name && absl::SimpleAtoi(kv.second, &v)) return v;
    }
    return -1;
  }

 private:
  const Netns& ns_;
  TempDir dir_;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

// The passthrough cluster: wherever the connection was going, from 127.0.0.6.
const ClusterSpec kPassthrough{
    "passthrough",
    {},
    "    type: ORIGINAL_DST\n    lb_policy: CLUSTER_PROVIDED\n"
    "    upstream_bind_config: { source_address: { address: 127.0.0.6, port_value: 0 } }\n"};

ClusterSpec boundStatic(const std::string& name, const std::string& endpoint) {
  return {name,
          {endpoint},
          "    upstream_bind_config: { source_address: { address: 127.0.0.6, port_value: 0 } }\n"};
}

#define SKIP_WITHOUT_NETNS(ns)                                           \
  if (!(ns).usable()) {                                                  \
    fprintf(stderr, "SKIPPED (netns): %s\n", (ns).skipReason().c_str()); \
    GTEST_SKIP() << (ns).skipReason();                                   \
  }

TEST(TransparentCaptureTest, OriginalDestinationDrivesFilterChainMatch) {
  Netns ns;
  SKIP_WITHOUT_NETNS(ns);
  auto a = testServer(ns, "10.77.0.1:8080", "http", "svc-a");
  auto b = testServer(ns, "10.77.0.2:8080", "http", "svc-b");
  auto echo = testServer(ns, "10.77.0.2:9090", "echo", "echo");
  ChainSpec other{.filter = tcpProxyFilter("other", "passthrough")};
  ListenerSpec outbound{
      .name = "outbound",
      .address = "0.0.0.0",
      .port = 15001,
      .listener_filters = {"original_dst"},
      .chains = {{.match = "destination_port: 8080, prefix_ranges: [{address_prefix: 10.77.0.1, "
                           "prefix_len: 32}]",
                  .filter = hcmFilter("to_a", "passthrough")},
                 {.match = "destination_port: 9090",
                  .filter = tcpProxyFilter("to_9090", "passthrough")}},
      .default_chain = &other,
      .extra = "    stat_prefix: outbound\n"};
  MeshproxyInNetns proxy(ns, captureBootstrapYaml({outbound}, {kPassthrough}));
  ASSERT_TRUE(proxy.ready());

  // The app calls the service address as if there were no proxy.
  CommandResult ra = ns.curl({"http://10.77.0.1:8080/hello"});
  ASSERT_TRUE(ra.ok()) << ra.stderr_text;
  EXPECT_EQ(jsonField(ra.stdout_text, "server"), "svc-a");
  // The app sees the upstream connection come from 127.0.0.6 (upstream_bind_config).
  EXPECT_EQ(jsonField(ra.stdout_text, "peer").rfind("127.0.0.6:", 0), 0u) << ra.stdout_text;
  CommandResult rb = ns.curl({"http://10.77.0.2:8080/"});
  ASSERT_TRUE(rb.ok()) << rb.stderr_text;
  EXPECT_EQ(jsonField(rb.stdout_text, "server"), "svc-b");
  CommandResult re = ns.tcpExchange("10.77.0.2", 9090, "ping-9090", 9);
  EXPECT_EQ(re.stdout_text, "ping-9090") << re.stderr_text;

  // HTTP to the ORIGINAL_DST cluster: the router connects to the restored destination.
  EXPECT_EQ(proxy.stat("http.to_a.downstream_rq_total"), 1);
  EXPECT_EQ(proxy.stat("tcp.other.downstream_cx_total"), 1);
  EXPECT_EQ(proxy.stat("tcp.to_9090.downstream_cx_total"), 1);
  EXPECT_EQ(proxy.stat("listener.outbound.original_dst.restored"), 3);
  EXPECT_EQ(proxy.stat("cluster.passthrough.upstream_cx_total"), 3);
}

TEST(TransparentCaptureTest, VirtualListenerHandsOffToTheListenerOfTheOriginalDestination) {
  Netns ns;
  SKIP_WITHOUT_NETNS(ns);
  auto a = testServer(ns, "10.77.0.1:8080", "http", "svc-a");
  auto b = testServer(ns, "10.77.0.2:8080", "http", "unknown-b");
  auto echo = testServer(ns, "10.77.0.2:9090", "echo", "echo");
  ListenerSpec virtual_listener{
      .name = "virtual",
      .address = "0.0.0.0",
      .port = 15001,
      .listener_filters = {"original_dst"},
      .chains = {{.filter = tcpProxyFilter("passthrough", "passthrough")}},
      .extra = "    stat_prefix: virtual\n    use_original_dst: true\n"};
  // The service's own outbound listener: exact address, no socket of its own, HTTP aware.
  ListenerSpec service_a{.name = "svc-a",
                         .address = "10.77.0.1",
                         .port = 8080,
                         .listener_filters = {"http_inspector"},
                         .chains = {{.match = "application_protocols: [http/1.1, http/1.0]",
                                     .filter = hcmFilter("svc_a", "a")}},
                         .extra = "    stat_prefix: svc_a\n    bind_to_port: false\n"};
  // Any address on port 9090.
  ListenerSpec wildcard_9090{.name = "port-9090",
                             .address = "0.0.0.0",
                             .port = 9090,
                             .chains = {{.filter = tcpProxyFilter("wild_9090", "passthrough")}},
                             .extra = "    stat_prefix: wild_9090\n    bind_to_port: false\n"};
  MeshproxyInNetns proxy(ns,
                         captureBootstrapYaml({virtual_listener, service_a, wildcard_9090},
                                              {kPassthrough, boundStatic("a", "10.77.0.1:8080")}));
  ASSERT_TRUE(proxy.ready());

  for (int i = 0; i < 3; ++i) {
    CommandResult ra = ns.curl({"http://10.77.0.1:8080/"});
    ASSERT_TRUE(ra.ok()) << ra.stderr_text;
    EXPECT_EQ(jsonField(ra.stdout_text, "server"), "svc-a");
  }
  CommandResult rb = ns.curl({"http://10.77.0.2:8080/"});
  ASSERT_TRUE(rb.ok()) << rb.stderr_text;
  EXPECT_EQ(jsonField(rb.stdout_text, "server"), "unknown-b");
  CommandResult re = ns.tcpExchange("10.77.0.2", 9090, "hello-wild", 10);
  EXPECT_EQ(re.stdout_text, "hello-wild") << re.stderr_text;

  // Through the HTTP listener of svc-a (its HCM counted the requests) ...
  EXPECT_EQ(proxy.stat("http.svc_a.downstream_rq_total"), 3);
  EXPECT_EQ(proxy.stat("listener.svc_a.downstream_cx_total"), 3);
  EXPECT_EQ(proxy.stat("listener.svc_a.http_inspector.http11_found"), 3);
  // ... the wildcard listener for port 9090 ...
  EXPECT_EQ(proxy.stat("tcp.wild_9090.downstream_cx_total"), 1);
  // ... and the unknown destination stayed on the virtual listener: passthrough.
  EXPECT_EQ(proxy.stat("tcp.passthrough.downstream_cx_total"), 1);
  EXPECT_EQ(proxy.stat("listener.virtual.original_dst.handed_off"), 4);
  EXPECT_EQ(proxy.stat("cluster.a.upstream_cx_total") >= 1, true);
}

TEST(TransparentCaptureTest, Ipv6OriginalDestinationAndHandOff) {
  Netns ns;
  SKIP_WITHOUT_NETNS(ns);
  if (!ns.ipv6()) {
    fprintf(stderr, "SKIPPED (netns IPv6): %s\n", ns.ipv6SkipReason().c_str());
    GTEST_SKIP() << ns.ipv6SkipReason();
  }
  auto a = testServer(ns, "[fd00:77::1]:8080", "http", "svc-a6");
  auto b = testServer(ns, "[fd00:77::2]:8080", "http", "unknown-b6");
  ListenerSpec virtual_listener{
      .name = "virtual6",
      .address = "::",
      .port = 15001,
      .listener_filters = {"original_dst"},
      .chains = {{.filter = tcpProxyFilter("passthrough6", "passthrough6")}},
      .extra = "    stat_prefix: virtual6\n    use_original_dst: true\n"};
  ListenerSpec service_a{.name = "svc-a6",
                         .address = "fd00:77::1",
                         .port = 8080,
                         .chains = {{.filter = hcmFilter("svc_a6", "a6")}},
                         .extra = "    stat_prefix: svc_a6\n    bind_to_port: false\n"};
  const std::string bind6 =
      "    upstream_bind_config: { source_address: { address: \"fd00:77::6\", port_value: 0 } }\n";
  ClusterSpec passthrough6{
      "passthrough6", {}, "    type: ORIGINAL_DST\n    lb_policy: CLUSTER_PROVIDED\n" + bind6};
  ClusterSpec a6{"a6", {"fd00:77::1:8080"}, bind6};
  MeshproxyInNetns proxy(ns,
                         captureBootstrapYaml({virtual_listener, service_a}, {passthrough6, a6}));
  ASSERT_TRUE(proxy.ready());

  CommandResult ra = ns.curl({"http://[fd00:77::1]:8080/"});
  ASSERT_TRUE(ra.ok()) << ra.stderr_text;
  EXPECT_EQ(jsonField(ra.stdout_text, "server"), "svc-a6");
  EXPECT_EQ(jsonField(ra.stdout_text, "peer").rfind("[fd00:77::6]:", 0), 0u) << ra.stdout_text;
  CommandResult rb = ns.curl({"http://[fd00:77::2]:8080/"});
  ASSERT_TRUE(rb.ok()) << rb.stderr_text;
  EXPECT_EQ(jsonField(rb.stdout_text, "server"), "unknown-b6");
  EXPECT_EQ(proxy.stat("http.svc_a6.downstream_rq_total"), 1);
  EXPECT_EQ(proxy.stat("tcp.passthrough6.downstream_cx_total"), 1);
  EXPECT_EQ(proxy.stat("listener.virtual6.original_dst.restored"), 2);
}

}  // namespace
}  // namespace meshproxy::testing
