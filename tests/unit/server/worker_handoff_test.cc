// The worker/main-thread handoff as the server runs it: two Worker threads, config snapshots
// published from the main thread (Worker::publish -> EventLoop::post) while clients connect,
// the listener's stats read on the main thread while workers count, then Worker::shutdown.
// Its value is under ThreadSanitizer (tests/hardening.sh runs it in the TSan build): every
// object handed between the threads here is one the real server hands over too.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/listener_translator.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/core/event_loop.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/server/listener_manager.h"
#include "proxy/server/worker.h"
#include "proxy/stats/store.h"

namespace meshproxy::server {
namespace {

template <typename Proto>
Proto fromYaml(const std::string& yaml) {
  Proto proto;
  auto json = config::yamlToJson(yaml);
  EXPECT_TRUE(json.ok()) << json.status();
  EXPECT_TRUE(protobuf::jsonToMessage(*json, &proto).ok());
  return proto;
}

// A tcp_proxy listener on an ephemeral port; `idle` differs between versions, so each publish
// is a config change of the same listener (same sockets: updateConfig on the workers).
envoy::config::listener::v3::Listener listenerProto(int idle_seconds) {
  return fromYaml<envoy::config::listener::v3::Listener>(
      "name: l\n"
      "address: {socket_address: {address: 127.0.0.1, port_value: 0}}\n"
      "filter_chains: [{filters: [{name: envoy.filters.network.tcp_proxy, typed_config: "
      "{\"@type\": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, "
      "stat_prefix: t, cluster: nowhere, idle_timeout: " +
      std::to_string(idle_seconds) + "s}}]}]\n");
}

// Connects, sends a line and waits (bounded) for the proxy to close: the cluster's only
// endpoint refuses connections, so tcp_proxy ends every connection.
bool connectAndWaitForClose(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool closed = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    (void)::send(fd, "hello\n", 6, MSG_NOSIGNAL);
    pollfd p{fd, POLLIN, 0};
    char buf[64];
    for (int i = 0; i < 50 && !closed; ++i) {
      if (::poll(&p, 1, 100) > 0 && ::recv(fd, buf, sizeof(buf), 0) <= 0) closed = true;
    }
  }
  ::close(fd);
  return closed;
}

// A port nothing listens on: bound, then closed.
uint16_t refusedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

TEST(WorkerHandoffTest, PublishWhileConnectionsFlowThenShutDown) {
  stats::Store store;
  config::TranslationContext context{store, 2};
  auto cluster = config::translateCluster(
      fromYaml<envoy::config::cluster::v3::Cluster>(
          "name: nowhere\ntype: STATIC\nconnect_timeout: 1s\nload_assignment: {cluster_name: "
          "nowhere, endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: "
          "127.0.0.1, port_value: " +
          std::to_string(refusedPort()) + "}}}}]}]}\n"),
      context);
  ASSERT_TRUE(cluster.ok()) << cluster.status();

  ListenerManager listeners(2);
  std::vector<std::unique_ptr<Worker>> workers;
  for (uint32_t i = 0; i < 2; ++i) {
    workers.push_back(std::make_unique<Worker>(i, std::chrono::milliseconds(500)));
    workers.back()->start();
  }
  uint16_t port = 0;
  constexpr int kVersions = 12;
  int closed = 0;
  for (int version = 1; version <= kVersions; ++version) {
    auto listener = config::translateListener(listenerProto(version), context);
    ASSERT_TRUE(listener.ok()) << listener.status();
    auto handles = listeners.apply({*listener});
    ASSERT_TRUE(handles.ok()) << handles.status();
    auto snapshot = std::make_shared<config::Snapshot>();
    snapshot->version = static_cast<uint64_t>(version);
    snapshot->listeners = *handles;
    snapshot->clusters.emplace("nowhere", *cluster);
    for (auto& w : workers) w->publish(snapshot);
    port = (*handles)[0].sockets->address().port();
    // Connections land on either worker while the next version is on its way.
    for (int i = 0; i < 3; ++i) closed += connectAndWaitForClose(port) ? 1 : 0;
    // The admin thread's view: stats the workers are counting.
    EXPECT_FALSE(store.renderText().empty());
  }
  for (auto& w : workers) w->stopAccepting();
  for (auto& w : workers) w->shutdown();
  EXPECT_EQ(closed, kVersions * 3);
  EXPECT_NE(store.renderText().find("downstream_cx_total"), std::string::npos);
}

// EventLoop::post from many threads at once: every function runs once, on the loop thread.
TEST(EventLoopTest, PostFromManyThreadsRunsEachOnceOnTheLoop) {
  EventLoop loop;
  std::thread::id loop_thread;
  int ran = 0;  // loop thread only
  bool wrong_thread = false;
  std::thread runner([&] {
    loop_thread = std::this_thread::get_id();
    loop.run();
  });
  constexpr int kThreads = 4, kPosts = 200;
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < kPosts; ++i) {
        loop.post([&] {
          ++ran;
          if (std::this_thread::get_id() != loop_thread) wrong_thread = true;
        });
      }
    });
  }
  for (auto& p : posters) p.join();
  // The last post stops the loop: everything posted before it has run by then.
  loop.post([&] { loop.stop(); });
  runner.join();
  EXPECT_EQ(ran, kThreads * kPosts);
  EXPECT_FALSE(wrong_thread);
}

}  // namespace
}  // namespace meshproxy::server
