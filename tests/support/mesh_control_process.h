// Runs the real mesh-control binary for an integration test, and reads its GET /nodes.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tests/support/process.h"

namespace meshproxy::testing {

struct MeshControlOptions {
  // 0: pick a free port. Pass the ports of a killed instance to restart it in its place.
  int grpc_port = 0;
  int admin_port = 0;
  std::string log_level = "debug";
  std::vector<std::string> extra_args;
  absl::Duration ready_timeout = absl::Seconds(10);
};

// Starts
//   mesh-control --listen 127.0.0.1:GRPC --resources DIR --admin 127.0.0.1:ADMIN --log-level L
// and waits for GET /ready == 200; if it does not come, the current test fails (non-fatally)
// with mesh-control's stderr. Check ready() and ASSERT on it. The destructor stops it by PID
// and, if the test has failed, prints the tail of its stderr.
class MeshControlProcess {
 public:
  explicit MeshControlProcess(std::string resources_dir, MeshControlOptions options = {});
  ~MeshControlProcess();
  MeshControlProcess(const MeshControlProcess&) = delete;
  MeshControlProcess& operator=(const MeshControlProcess&) = delete;

  bool ready() const { return ready_; }
  int grpcPort() const { return grpc_port_; }
  int adminPort() const { return admin_port_; }
  Process& process() { return *process_; }

  // The body of GET /nodes ("" if it could not be fetched).
  std::string nodesText();
  // The entry of type_url in the subscription table of node_id's connected stream; an empty
  // Struct if the node is not connected or has no such subscription.
  google::protobuf::Struct nodeType(const std::string& node_id, const std::string& type_url);
  bool nodeConnected(const std::string& node_id);
  // True once the version sent for type_url is also the version the node ACKed.
  bool acked(const std::string& node_id, const std::string& type_url);
  std::string ackedVersion(const std::string& node_id, const std::string& type_url);
  // The message of the last NACK of type_url by node_id, if there was one.
  std::optional<std::string> lastNackMessage(const std::string& node_id,
                                             const std::string& type_url);

  // SIGKILL by PID, reaped; the ports become free for a restart.
  void kill();

 private:
  // node_id's entry in /nodes while it is connected.
  std::optional<google::protobuf::Struct> connectedNode(const std::string& node_id);

  int grpc_port_;
  int admin_port_;
  std::unique_ptr<Process> process_;
  bool ready_ = false;
};

// The string field `name` of s ("" if absent or not a string).
std::string structString(const google::protobuf::Struct& s, const std::string& name);

}  // namespace meshproxy::testing
