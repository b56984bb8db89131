// Load balancing through the real meshproxy on loopback: consistent hashing with route
// hash_policy (header, cookie), priority failover on EDS health, and the deterministic canary
// (weighted_clusters.header_name) across two sidecars.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <map>
#include <set>

#include "absl/time/clock.h"

#include "tests/integration/http_test_util.h"
#include "tests/support/tcp_client.h"
#include "tests/support/test_server_process.h"

namespace meshproxy::testing {
namespace {

// One keep-alive connection: requests in sequence, each response read whole.
class KeepAliveClient {
 public:
  explicit KeepAliveClient(int port) : port_(port) {}

  HttpResponse get(std::string_view path, HeaderList headers = {}) {
    if (!client_.connected() && !client_.connect("127.0.0.1", port_)) return {};
    headers.emplace_back("Host", "test");
    std::string request = buildHttpRequest("GET", path, headers);
    HttpResponse response;
    if (!client_.sendAll(request, absl::Seconds(5))) return reconnect(response);
    absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (absl::Now() < deadline) {
      size_t consumed = 0;
      HttpParseStatus status = parseHttpResponse(buffer_, false, false, &response, &consumed);
      if (status == HttpParseStatus::kComplete) {
        buffer_.erase(0, consumed);
        auto connection = response.header("connection");
        if (connection.has_value() && *connection == "close") reconnect(response);
        return response;
      }
      if (status == HttpParseStatus::kError) break;
      std::string more = client_.recvSome(65536, absl::Seconds(5));
      if (more.empty()) break;
      buffer_ += more;
    }
    response.status = 0;
    return reconnect(response);
  }

 private:
  HttpResponse& reconnect(HttpResponse& response) {
    client_.close();
    buffer_.clear();
    return response;
  }

  int port_;
  TcpClient client_;
  std::string buffer_;
};

std::string serverOf(const HttpResponse& response) { return jsonField(response.body, "server"); }

std::vector<std::unique_ptr<TestServerProcess>> startOrigins(const std::vector<std::string>& names) {
  std::vector<std::unique_ptr<TestServerProcess>> out;
  for (const auto& name : names) {
    out.push_back(std::make_unique<TestServerProcess>(
        TestServerOptions{.mode = "http", .name = name}));
  }
  return out;
}

std::vector<int> portsOf(const std::vector<std::unique_ptr<TestServerProcess>>& origins) {
  std::vector<int> out;
  for (const auto& o : origins) out.push_back(o->port());
  return out;
}

std::string routeWithHashPolicy(const std::string& policies) {
  return fmt::format(
      "            virtual_hosts:\n"
      "            - name: all\n"
      "              domains: [\"*\"]\n"
      "              routes:\n"
      "              - match: {{ prefix: / }}\n"
      "                route:\n"
      "                  cluster: backend\n"
      "                  hash_policy: {}\n",
      policies);
}

TEST(LoadBalancingTest, RingHashSendsTheSameHeaderToTheSameOrigin) {
  auto origins = startOrigins({"a", "b", "c"});
  for (const auto& o : origins) ASSERT_TRUE(o->ready());
  HttpProxy proxy({.route_config = routeWithHashPolicy("[{header: {header_name: x-user}}]"),
                   .clusters = {{"backend", portsOf(origins), "    lb_policy: RING_HASH\n"}}},
                  {.concurrency = 2});
  ASSERT_TRUE(proxy.ready());
  std::set<std::string> used;
  KeepAliveClient client(proxy.port);
  for (int user = 0; user < 40; ++user) {
    std::string first;
    for (int i = 0; i < 5; ++i) {
      // Alternate a keep-alive connection and new connections: the workers agree.
      HttpResponse r = i % 2 == 0 ? client.get("/", {{"x-user", "u" + std::to_string(user)}})
                                  : proxy.get("/", {{"x-user", "u" + std::to_string(user)}});
      ASSERT_EQ(r.status, 200) << r.error;
      if (i == 0) first = serverOf(r);
      EXPECT_EQ(serverOf(r), first) << "user " << user << " request " << i;
    }
    used.insert(first);
  }
  EXPECT_EQ(used.size(), 3u) << "40 users should reach every origin";
}

TEST(LoadBalancingTest, MaglevCookieIsGeneratedThenHonoured) {
  auto origins = startOrigins({"a", "b", "c"});
  for (const auto& o : origins) ASSERT_TRUE(o->ready());
  HttpProxy proxy(
      {.route_config = routeWithHashPolicy("[{cookie: {name: sticky, ttl: 60s, path: /}}]"),
       .clusters = {{"backend", portsOf(origins), "    lb_policy: MAGLEV\n"}}});
  ASSERT_TRUE(proxy.ready());
  std::set<std::string> used;
  for (int client = 0; client < 12; ++client) {
    HttpResponse first = proxy.get("/");
    ASSERT_EQ(first.status, 200) << first.error;
    auto set_cookie = first.header("set-cookie");
    ASSERT_TRUE(set_cookie.has_value());
    EXPECT_NE(set_cookie->find("; Max-Age=60; Path=/; HttpOnly"), std::string::npos)
        << *set_cookie;
    std::string cookie = set_cookie->substr(0, set_cookie->find(';'));
    used.insert(serverOf(first));
    for (int i = 0; i < 5; ++i) {
      HttpResponse again = proxy.get("/", {{"cookie", cookie}});
      ASSERT_EQ(again.status, 200);
      EXPECT_FALSE(again.hasHeader("set-cookie"));
      EXPECT_EQ(serverOf(again), serverOf(first)) << cookie;
    }
  }
  EXPECT_GE(used.size(), 2u);
}

// A bootstrap whose cluster `backend` has localities at priorities with EDS health status.
std::string priorityBootstrap(int listener_port, const std::string& endpoints) {
  std::string yaml = httpBootstrapYaml(
      {.listener_port = listener_port, .clusters = {{"backend", {1}, ""}}});
  size_t at = yaml.find("      - lb_endpoints:");
  EXPECT_NE(at, std::string::npos);
  return yaml.substr(0, at) + endpoints;
}

std::string locality(int priority, const std::vector<std::pair<int, std::string>>& endpoints) {
  std::string out = fmt::format("      - priority: {}\n        lb_endpoints:\n", priority);
  for (const auto& [port, health] : endpoints) {
    out += fmt::format(
        "        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {} "
        "}} }} }}\n          health_status: {}\n",
        port, health);
  }
  return out;
}

std::map<std::string, int> spread(int port, int n) {
  std::map<std::string, int> out;
  KeepAliveClient client(port);
  for (int i = 0; i < n; ++i) {
    HttpResponse r = client.get("/");
    EXPECT_EQ(r.status, 200) << r.error;
    ++out[serverOf(r)];
  }
  return out;
}

TEST(LoadBalancingTest, PriorityFailoverWhenPriorityZeroIsUnhealthy) {
  auto origins = startOrigins({"p0-a", "p0-b", "p1"});
  for (const auto& o : origins) ASSERT_TRUE(o->ready());
  int p0a = origins[0]->port(), p0b = origins[1]->port(), p1 = origins[2]->port();
  auto run = [&](const std::string& endpoints, int n) {
    int port = pickFreePort();
    MeshproxyProcess proxy(priorityBootstrap(port, endpoints), {.concurrency = 1});
    EXPECT_TRUE(proxy.ready());
    return proxy.ready() ? spread(port, n) : std::map<std::string, int>{};
  };
  // Healthy priority 0: priority 1 gets nothing.
  auto picks = run(locality(0, {{p0a, "HEALTHY"}, {p0b, "HEALTHY"}}) +
                       locality(1, {{p1, "HEALTHY"}}),
                   40);
  EXPECT_EQ(picks["p1"], 0);
  EXPECT_EQ(picks["p0-a"] + picks["p0-b"], 40);
  // Every priority-0 host unhealthy (EDS health_status): all traffic to priority 1.
  picks = run(locality(0, {{p0a, "UNHEALTHY"}, {p0b, "DRAINING"}}) +
                  locality(1, {{p1, "HEALTHY"}}),
              40);
  EXPECT_EQ(picks["p1"], 40);
  // Half of priority 0 unhealthy: 140% x 50% = 70% stays, 30% spills to priority 1.
  picks = run(locality(0, {{p0a, "HEALTHY"}, {p0b, "UNHEALTHY"}}) +
                  locality(1, {{p1, "HEALTHY"}}),
              600);
  EXPECT_EQ(picks["p0-b"], 0);
  EXPECT_NEAR(picks["p0-a"] / 600.0, 0.70, 0.08);
  EXPECT_NEAR(picks["p1"] / 600.0, 0.30, 0.08);
}

TEST(LoadBalancingTest, StickyCanaryAcrossTwoSidecars) {
  auto origins = startOrigins({"v1", "v2"});
  for (const auto& o : origins) ASSERT_TRUE(o->ready());
  const std::string routes =
      "            virtual_hosts:\n"
      "            - name: all\n"
      "              domains: [\"*\"]\n"
      "              routes:\n"
      "              - match: { prefix: / }\n"
      "                route:\n"
      "                  weighted_clusters:\n"
      "                    header_name: x-user-id\n"
      "                    clusters: [{name: v1, weight: 80}, {name: v2, weight: 20}]\n";
  HttpBootstrap b{.route_config = routes,
                  .clusters = {{"v1", {origins[0]->port()}, ""},
                               {"v2", {origins[1]->port()}, ""}}};
  HttpProxy sidecar_a(b, {.concurrency = 2});
  HttpProxy sidecar_b(b, {.concurrency = 2});
  ASSERT_TRUE(sidecar_a.ready());
  ASSERT_TRUE(sidecar_b.ready());
  KeepAliveClient a(sidecar_a.port), b_client(sidecar_b.port);
  const int users = 1000, requests = 10;
  int v2_users = 0, inconsistent = 0, failed = 0;
  absl::Time deadline = absl::Now() + absl::Seconds(120);
  for (int user = 0; user < users && absl::Now() < deadline; ++user) {
    std::string id = "user-" + std::to_string(user * 7919);
    std::string first;
    for (int i = 0; i < requests; ++i) {
      HttpResponse r = (i % 2 == 0 ? a : b_client).get("/", {{"x-user-id", id}});
      if (r.status != 200) {
        ++failed;
        continue;
      }
      if (first.empty()) first = serverOf(r);
      if (serverOf(r) != first) ++inconsistent;
    }
    v2_users += first == "v2";
  }
  EXPECT_LT(absl::Now(), deadline) << "bounded run did not finish";
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(inconsistent, 0);
  double v2_share = static_cast<double>(v2_users) / users;
  EXPECT_NEAR(v2_share, 0.20, 0.05) << v2_users << " of " << users << " users on v2";
}

}  // namespace
}  // namespace meshproxy::testing
