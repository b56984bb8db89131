// mesh-control end to end: the real binary serving a temp resource directory, driven by a
// grpc++ ADS client in the test (State of the World), its admin pages and `status` command.
#include <gmock/gmock.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <csignal>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "envoy/config/cluster/v3/cluster.pb.h"
#include "envoy/config/endpoint/v3/endpoint.pb.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "envoy/config/route/v3/route.pb.h"
#include "envoy/service/discovery/v3/ads.grpc.pb.h"
#include "tests/support/binaries.h"
#include "tests/support/http_client.h"
#include "tests/support/ports.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {
namespace {

using envoy::service::discovery::v3::AggregatedDiscoveryService;
using envoy::service::discovery::v3::DiscoveryRequest;
using envoy::service::discovery::v3::DiscoveryResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kLds[] = "type.googleapis.com/envoy.config.listener.v3.Listener";
constexpr char kCds[] = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
constexpr char kRds[] = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
constexpr char kEds[] = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

constexpr char kListeners[] = R"(
resources:
- "@type": type.googleapis.com/envoy.config.listener.v3.Listener
  name: l1
  address: {socket_address: {address: 127.0.0.1, port_value: 10000}}
  filter_chains:
  - filters:
    - name: envoy.filters.network.tcp_proxy
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
        stat_prefix: tcp
        cluster: c1
)";

constexpr char kRoutes[] = R"(
- "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
  name: r1
  virtual_hosts: [{name: all, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: c1}}]}]
- "@type": type.googleapis.com/envoy.config.route.v3.RouteConfiguration
  name: r2
)";

std::string clustersYaml(std::string_view c2_timeout = "1s") {
  return std::string(R"(
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: c1
  type: EDS
  eds_cluster_config: {eds_config: {ads: {}}}
- "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
  name: c2
  type: EDS
  eds_cluster_config: {eds_config: {ads: {}}}
  connect_timeout: )") +
         std::string(c2_timeout) + R"(
- "@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
  cluster_name: c1
  endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8081}}}}]}]
- "@type": type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment
  cluster_name: c2
  endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8082}}}}]}]
)";
}

constexpr char kNodeAOverride[] =
    R"({"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
  "name": "c1", "type": "EDS", "eds_cluster_config": {"eds_config": {"ads": {}}},
  "connect_timeout": "9s"})";

// The names of a response's resources, in order.
std::vector<std::string> names(const DiscoveryResponse& response) {
  std::vector<std::string> out;
  for (const auto& any : response.resources()) {
    envoy::config::cluster::v3::Cluster cluster;
    envoy::config::listener::v3::Listener listener;
    envoy::config::route::v3::RouteConfiguration route;
    envoy::config::endpoint::v3::ClusterLoadAssignment cla;
    if (any.UnpackTo(&cluster)) {
      out.push_back(cluster.name());
    } else if (any.UnpackTo(&listener)) {
      out.push_back(listener.name());
    } else if (any.UnpackTo(&route)) {
      out.push_back(route.name());
    } else if (any.UnpackTo(&cla)) {
      out.push_back(cla.cluster_name());
    } else {
      out.push_back("?" + any.type_url());
    }
  }
  return out;
}

envoy::config::cluster::v3::Cluster clusterNamed(const DiscoveryResponse& response,
                                                 const std::string& name) {
  for (const auto& any : response.resources()) {
    envoy::config::cluster::v3::Cluster cluster;
    if (any.UnpackTo(&cluster) && cluster.name() == name) return cluster;
  }
  ADD_FAILURE() << "no cluster " << name;
  return {};
}

// One ADS stream, as a sidecar would open it. A reader thread queues responses; the test
// writes requests from its own thread (grpc++ allows one reader and one writer at a time).
class AdsClient {
 public:
  AdsClient(int port, std::string node_id, std::string cluster = "test-cluster")
      : channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials())),
        stub_(AggregatedDiscoveryService::NewStub(channel_)) {
    node_.set_id(std::move(node_id));
    node_.set_cluster(std::move(cluster));
    node_.set_user_agent_name("mesh-control-test");
    (*node_.mutable_metadata()->mutable_fields())["namespace"].set_string_value("default");
    stream_ = stub_->StreamAggregatedResources(&context_);
    reader_ = std::thread([this] {
      DiscoveryResponse response;
      while (stream_->Read(&response)) {
        std::lock_guard lock(mu_);
        queue_.push_back(response);
        cv_.notify_all();
      }
      std::lock_guard lock(mu_);
      closed_ = true;
      cv_.notify_all();
    });
  }

  ~AdsClient() {
    context_.TryCancel();
    if (reader_.joinable()) reader_.join();
  }

  bool request(const std::string& type, std::vector<std::string> resource_names,
               const std::string& version = "", const std::string& nonce = "",
               const std::string& error = "") {
    DiscoveryRequest request;
    if (first_) *request.mutable_node() = node_;
    first_ = false;
    request.set_type_url(type);
    for (auto& n : resource_names) request.add_resource_names(std::move(n));
    request.set_version_info(version);
    request.set_response_nonce(nonce);
    if (!error.empty()) {
      request.mutable_error_detail()->set_code(3);
      request.mutable_error_detail()->set_message(error);
    }
    return stream_->Write(request);
  }
  bool ack(const DiscoveryResponse& r, std::vector<std::string> resource_names = {}) {
    return request(r.type_url(), std::move(resource_names), r.version_info(), r.nonce());
  }

  // The next response of `type` (others stay queued), or nullopt after `timeout`.
  std::optional<DiscoveryResponse> next(const std::string& type,
                                        absl::Duration timeout = absl::Seconds(5)) {
    std::unique_lock lock(mu_);
    std::optional<DiscoveryResponse> out;
    cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] {
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->type_url() == type) {
          out = std::move(*it);
          queue_.erase(it);
          return true;
        }
      }
      return closed_;
    });
    return out;
  }

  // Receives the first response of `type` after requesting it and ACKs it.
  DiscoveryResponse subscribe(const std::string& type,
                              std::vector<std::string> resource_names = {}) {
    EXPECT_TRUE(request(type, resource_names));
    auto response = next(type);
    EXPECT_TRUE(response.has_value()) << "no response for " << type;
    if (!response) return {};
    EXPECT_TRUE(ack(*response, resource_names));
    return *response;
  }

  // Half-closes and waits for the server to end the stream.
  grpc::Status finish() {
    stream_->WritesDone();
    reader_.join();
    return stream_->Finish();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<AggregatedDiscoveryService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<DiscoveryRequest, DiscoveryResponse>> stream_;
  envoy::config::core::v3::Node node_;
  bool first_ = true;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<DiscoveryResponse> queue_;
  bool closed_ = false;
};

class MeshControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ignoreSigpipe();
    dir_.writeFile("resources/all/listeners.yaml", kListeners);
    dir_.writeFile("resources/all/routes.yml", kRoutes);
    dir_.writeFile("resources/all/clusters.yaml", clustersYaml());
    dir_.writeFile("resources/nodes/node-a/override.json", kNodeAOverride);
    process_ = std::make_unique<Process>(std::vector<std::string>{
        binPath("mesh-control"), "--listen", absl::StrCat("127.0.0.1:", grpc_port_), "--resources",
        dir_.filePath("resources"), "--admin", absl::StrCat("127.0.0.1:", admin_port_),
        "--log-level", "debug"});
    ASSERT_TRUE(process_->started()) << process_->startError();
    ASSERT_TRUE(waitUntil([&] { return adminGet("/ready").status == 200 || !process_->running(); },
                          absl::Seconds(10)));
    ASSERT_TRUE(process_->running()) << process_->stderrTail();
  }

  void TearDown() override {
    if (HasFailure() && process_)
      std::fprintf(stderr, "mesh-control stderr:\n%s\n", process_->stderrTail(8192).c_str());
  }

  HttpResponse adminGet(std::string_view path) { return httpGet("127.0.0.1", admin_port_, path); }

  // /nodes parsed; the entry for `node_id` (connected ones first), or an empty Struct.
  google::protobuf::Struct nodeEntry(const std::string& node_id, bool connected = true) {
    google::protobuf::Struct root;
    auto r = adminGet("/nodes");
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &root).ok()) << r.body;
    for (const auto& node : root.fields().at("nodes").list_value().values()) {
      const auto& f = node.struct_value().fields();
      if (f.at("id").string_value() == node_id && f.at("connected").bool_value() == connected) {
        return node.struct_value();
      }
    }
    return {};
  }
  static google::protobuf::Struct typeEntry(const google::protobuf::Struct& node,
                                            const std::string& type) {
    auto it = node.fields().find("types");
    if (it == node.fields().end()) return {};
    for (const auto& t : it->second.list_value().values()) {
      if (t.struct_value().fields().at("type_url").string_value() == type) return t.struct_value();
    }
    return {};
  }

  // Rewrites a resource file the way editors and `kubectl cp` do: a new file renamed in place.
  void replaceFile(const std::string& name, std::string_view content) {
    std::string tmp = dir_.writeFile(name + ".tmp-new", content);
    ASSERT_EQ(std::rename(tmp.c_str(), dir_.filePath(name).c_str()), 0);
  }

  TempDir dir_;
  int grpc_port_ = pickFreePort();
  int admin_port_ = pickFreePort();
  std::unique_ptr<Process> process_;
};

TEST_F(MeshControlTest, LdsAndCdsAreWildcard) {
  AdsClient client(grpc_port_, "node-b");
  auto cds = client.subscribe(kCds);
  EXPECT_THAT(names(cds), ElementsAre("c1", "c2"));
  EXPECT_FALSE(cds.version_info().empty());
  EXPECT_FALSE(cds.nonce().empty());
  EXPECT_EQ(cds.type_url(), kCds);
  auto lds = client.subscribe(kLds, {"*"});
  EXPECT_THAT(names(lds), ElementsAre("l1"));
  EXPECT_NE(lds.nonce(), cds.nonce());
}

TEST_F(MeshControlTest, RdsAndEdsSendOnlyRequestedNames) {
  AdsClient client(grpc_port_, "node-b");
  auto eds = client.subscribe(kEds, {"c2", "missing"});
  EXPECT_THAT(names(eds), ElementsAre("c2"));
  auto rds = client.subscribe(kRds, {"r1"});
  EXPECT_THAT(names(rds), ElementsAre("r1"));

  // Asking for more names is answered with the new set.
  ASSERT_TRUE(client.ack(rds, {"r1", "r2"}));
  auto more = client.next(kRds);
  ASSERT_TRUE(more);
  EXPECT_THAT(names(*more), ElementsAre("r1", "r2"));
  EXPECT_NE(more->version_info(), rds.version_info());
  EXPECT_NE(more->nonce(), rds.nonce());
}

TEST_F(MeshControlTest, AnAckIsNotAnsweredAgain) {
  AdsClient client(grpc_port_, "node-b");
  auto cds = client.subscribe(kCds);
  auto eds = client.subscribe(kEds, {"c1"});
  EXPECT_FALSE(client.next(kCds, absl::Milliseconds(700)));
  EXPECT_FALSE(client.next(kEds, absl::Milliseconds(100)));
  auto type = typeEntry(nodeEntry("node-b"), kCds);
  EXPECT_EQ(type.fields().at("acked_version").string_value(), cds.version_info());
  EXPECT_EQ(type.fields().at("nonce").string_value(), cds.nonce());
}

TEST_F(MeshControlTest, AChangedFileIsPushedWithANewVersionWithinTwoSeconds) {
  AdsClient client(grpc_port_, "node-b");
  auto cds = client.subscribe(kCds);
  auto eds = client.subscribe(kEds, {"c1", "c2"});
  absl::Time changed = absl::Now();
  replaceFile("resources/all/clusters.yaml", clustersYaml("7s"));
  auto pushed = client.next(kCds, absl::Seconds(2));
  ASSERT_TRUE(pushed) << "no CDS push within 2 s";
  EXPECT_LT(absl::Now() - changed, absl::Seconds(2));
  EXPECT_NE(pushed->version_info(), cds.version_info());
  EXPECT_NE(pushed->nonce(), cds.nonce());
  EXPECT_EQ(clusterNamed(*pushed, "c2").connect_timeout().seconds(), 7);
  ASSERT_TRUE(client.ack(*pushed));
  // Endpoints did not change: no EDS push.
  EXPECT_FALSE(client.next(kEds, absl::Milliseconds(500)));
}

TEST_F(MeshControlTest, ANackIsRecordedAndShownInNodes) {
  AdsClient client(grpc_port_, "node-b");
  ASSERT_TRUE(client.request(kCds, {}));
  auto cds = client.next(kCds);
  ASSERT_TRUE(cds);
  ASSERT_TRUE(client.request(kCds, {}, "", cds->nonce(), "cluster c2: unsupported field"));
  // A rejected version is not sent again until it changes.
  EXPECT_FALSE(client.next(kCds, absl::Milliseconds(700)));

  auto node = nodeEntry("node-b");
  EXPECT_EQ(node.fields().at("cluster").string_value(), "test-cluster");
  EXPECT_EQ(node.fields().at("metadata").struct_value().fields().at("namespace").string_value(),
            "default");
  EXPECT_THAT(node.fields().at("peer").string_value(), HasSubstr("127.0.0.1"));
  auto type = typeEntry(node, kCds);
  ASSERT_TRUE(type.fields().contains("last_nack"));
  const auto& nack = type.fields().at("last_nack").struct_value().fields();
  EXPECT_EQ(nack.at("message").string_value(), "cluster c2: unsupported field");
  EXPECT_EQ(nack.at("version").string_value(), cds->version_info());
  EXPECT_EQ(type.fields().at("acked_version").string_value(), "");

  auto status = runCommand(
      {binPath("mesh-control"), "status", "--admin", absl::StrCat("127.0.0.1:", admin_port_)},
      absl::Seconds(10));
  ASSERT_TRUE(status.ok()) << status.stderr_text;
  EXPECT_THAT(status.stdout_text, HasSubstr("NODE"));
  EXPECT_THAT(status.stdout_text, HasSubstr("node-b"));
  EXPECT_THAT(status.stdout_text, HasSubstr("CDS"));
  EXPECT_THAT(status.stdout_text,
              HasSubstr(absl::StrCat(cds->version_info(), ": cluster c2: unsupported field")));
}

TEST_F(MeshControlTest, AnInvalidFileIsReportedAndTheLastGoodSetKeepsBeingServed) {
  AdsClient client(grpc_port_, "node-b");
  auto cds = client.subscribe(kCds);
  // A valid change and an invalid file together: neither is applied.
  dir_.writeFile("resources/all/bad.yaml",
                 "- {'@type': type.googleapis.com/envoy.config.cluster.v3.Cluster, name: c9, "
                 "no_such_field: 1}\n");
  replaceFile("resources/all/clusters.yaml", clustersYaml("5s"));
  ASSERT_TRUE(waitUntil(
      [&] { return adminGet("/resources").body.find("no_such_field") != std::string::npos; },
      absl::Seconds(3)));
  auto resources = adminGet("/resources");
  EXPECT_THAT(resources.body, HasSubstr(dir_.filePath("resources/all/bad.yaml")));
  EXPECT_THAT(resources.body, HasSubstr("\"status\":\"error\""));
  EXPECT_FALSE(client.next(kCds, absl::Milliseconds(500)));

  // A node connecting now gets the old version.
  AdsClient late(grpc_port_, "node-c");
  auto late_cds = late.subscribe(kCds);
  EXPECT_EQ(late_cds.version_info(), cds.version_info());
  EXPECT_EQ(clusterNamed(late_cds, "c2").connect_timeout().seconds(), 1);

  // Fixing the file applies everything at once.
  ASSERT_EQ(std::remove(dir_.filePath("resources/all/bad.yaml").c_str()), 0);
  auto pushed = client.next(kCds, absl::Seconds(3));
  ASSERT_TRUE(pushed);
  EXPECT_EQ(clusterNamed(*pushed, "c2").connect_timeout().seconds(), 5);
  EXPECT_THAT(adminGet("/resources").body, HasSubstr("\"status\":\"ok\""));
}

TEST_F(MeshControlTest, NodeSpecificResourcesOverrideAll) {
  AdsClient a(grpc_port_, "node-a");
  AdsClient b(grpc_port_, "node-b");
  auto cds_a = a.subscribe(kCds);
  auto cds_b = b.subscribe(kCds);
  EXPECT_THAT(names(cds_a), ElementsAre("c1", "c2"));
  EXPECT_EQ(clusterNamed(cds_a, "c1").connect_timeout().seconds(), 9);
  EXPECT_EQ(clusterNamed(cds_b, "c1").connect_timeout().seconds(), 0);
  EXPECT_NE(cds_a.version_info(), cds_b.version_info());

  // A change to node-a's directory goes to node-a only.
  replaceFile("resources/nodes/node-a/override.json",
              std::string(kNodeAOverride).replace(std::string(kNodeAOverride).find("9s"), 2, "3s"));
  auto pushed = a.next(kCds, absl::Seconds(2));
  ASSERT_TRUE(pushed);
  EXPECT_EQ(clusterNamed(*pushed, "c1").connect_timeout().seconds(), 3);
  EXPECT_FALSE(b.next(kCds, absl::Milliseconds(500)));

  // A node directory created while running is picked up too.
  dir_.writeFile("resources/nodes/node-b/extra.yaml",
                 "{'@type': type.googleapis.com/envoy.config.cluster.v3.Cluster, name: only-b}\n");
  auto pushed_b = b.next(kCds, absl::Seconds(2));
  ASSERT_TRUE(pushed_b);
  EXPECT_THAT(names(*pushed_b), ElementsAre("c1", "c2", "only-b"));
}

TEST_F(MeshControlTest, ReconnectGetsTheSameVersionAndTheOldStreamIsMarkedDisconnected) {
  std::string version;
  {
    AdsClient client(grpc_port_, "node-r");
    version = client.subscribe(kCds).version_info();
    ASSERT_TRUE(client.finish().ok());
  }
  ASSERT_TRUE(waitUntil([&] { return nodeEntry("node-r", false).fields().contains("id"); },
                        absl::Seconds(3)));
  EXPECT_FALSE(nodeEntry("node-r", false).fields().at("disconnected_at").has_null_value());

  AdsClient again(grpc_port_, "node-r");
  ASSERT_TRUE(again.request(kCds, {}, version, "nonce-from-before"));
  auto cds = again.next(kCds);
  ASSERT_TRUE(cds);
  EXPECT_EQ(cds->version_info(), version);
  ASSERT_TRUE(again.ack(*cds));
  EXPECT_FALSE(again.next(kCds, absl::Milliseconds(500)));
  EXPECT_TRUE(nodeEntry("node-r", true).fields().contains("id"));
}

TEST_F(MeshControlTest, ARequestWithoutTypeUrlEndsTheStream) {
  AdsClient client(grpc_port_, "node-b");
  ASSERT_TRUE(client.request("", {}));
  grpc::Status status = client.finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("type_url"));
}

TEST_F(MeshControlTest, SigtermWithAConnectedNodeExitsZero) {
  AdsClient client(grpc_port_, "node-b");
  client.subscribe(kCds);
  absl::Time start = absl::Now();
  ASSERT_TRUE(process_->sendSignal(SIGTERM));
  EXPECT_EQ(process_->waitExit(absl::Seconds(10)), 0);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_FALSE(client.next(kCds, absl::Milliseconds(100)));
}

TEST(MeshControlCommandLineTest, StatusWithoutAServerFails) {
  auto status = runCommand(
      {binPath("mesh-control"), "status", "--admin", absl::StrCat("127.0.0.1:", pickFreePort())},
      absl::Seconds(10));
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_THAT(status.stderr_text, HasSubstr("connect"));
}

TEST(MeshControlCommandLineTest, UsageErrors) {
  auto missing =
      runCommand({binPath("mesh-control"), "--listen", "127.0.0.1:0"}, absl::Seconds(10));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.stderr_text, HasSubstr("--resources DIR is required"));
  auto help = runCommand({binPath("mesh-control"), "--help"}, absl::Seconds(10));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.stdout_text, HasSubstr("mesh-control status"));
}

}  // namespace
}  // namespace meshproxy::testing
