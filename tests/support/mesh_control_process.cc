#include "tests/support/mesh_control_process.h"

#include <google/protobuf/util/json_util.h>
#include <signal.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/binaries.h"
#include "tests/support/http_client.h"
#include "tests/support/ports.h"
#include "tests/support/wait.h"

namespace meshproxy::testing {

std::string structString(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}

MeshControlProcess::MeshControlProcess(std::string resources_dir, MeshControlOptions options)
    : grpc_port_(options.grpc_port != 0 ? options.grpc_port : pickFreePort()),
      admin_port_(options.admin_port != 0 ? options.admin_port : pickFreePort()) {
  std::vector<std::string> argv = {
      binPath("mesh-control"),  "--listen", absl::StrCat("127.0.0.1:", grpc_port_),  "--resources",
      std::move(resources_dir), "--admin",  absl::StrCat("127.0.0.1:", admin_port_), "--log-level",
      options.log_level};
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  process_ = std::make_unique<Process>(std::move(argv));
  ready_ = process_->started() &&
           waitUntil(
               [&] {
                 return !process_->running() ||
                        httpGet("127.0.0.1", admin_port_, "/ready", absl::Seconds(1)).status == 200;
               },
               options.ready_timeout) &&
           process_->running();
  if (!ready_) {
    ADD_FAILURE() << "mesh-control did not become ready: " << process_->commandLine()
                  << "\n--- stderr ---\n"
                  << process_->stderrTail(8192) << "\n--- end ---";
  }
}

MeshControlProcess::~MeshControlProcess() {
  if (::testing::Test::HasFailure() && process_->started()) {
    std::fprintf(stderr, "mesh-control stderr (tail):\n%s\n", process_->stderrTail(8192).c_str());
  }
  process_->stop();
}

void MeshControlProcess::kill() {
  process_->sendSignal(SIGKILL);
  process_->waitExit(absl::Seconds(5));
}

std::string MeshControlProcess::nodesText() {
  auto r = httpGet("127.0.0.1", admin_port_, "/nodes", absl::Seconds(2));
  return r.status == 200 ? r.body : "";
}

std::optional<google::protobuf::Struct> MeshControlProcess::connectedNode(
    const std::string& node_id) {
  google::protobuf::Struct root;
  if (!google::protobuf::util::JsonStringToMessage(nodesText(), &root).ok()) return std::nullopt;
  auto nodes = root.fields().find("nodes");
  if (nodes == root.fields().end()) return std::nullopt;
  for (const auto& node : nodes->second.list_value().values()) {
    const auto& f = node.struct_value().fields();
    auto connected = f.find("connected");
    if (structString(node.struct_value(), "id") == node_id && connected != f.end() &&
        connected->second.bool_value()) {
      return node.struct_value();
    }
  }
  return std::nullopt;
}

google::protobuf::Struct MeshControlProcess::nodeType(const std::string& node_id,
                                                      const std::string& type_url) {
  auto node = connectedNode(node_id);
  if (!node) return {};
  auto types = node->fields().find("types");
  if (types == node->fields().end()) return {};
  for (const auto& t : types->second.list_value().values()) {
    if (structString(t.struct_value(), "type_url") == type_url) return t.struct_value();
  }
  return {};
}

bool MeshControlProcess::nodeConnected(const std::string& node_id) {
  return connectedNode(node_id).has_value();
}

std::string MeshControlProcess::ackedVersion(const std::string& node_id,
                                             const std::string& type_url) {
  return structString(nodeType(node_id, type_url), "acked_version");
}

bool MeshControlProcess::acked(const std::string& node_id, const std::string& type_url) {
  auto t = nodeType(node_id, type_url);
  std::string sent = structString(t, "version_sent");
  return !sent.empty() && structString(t, "acked_version") == sent;
}

std::optional<std::string> MeshControlProcess::lastNackMessage(const std::string& node_id,
                                                               const std::string& type_url) {
  auto t = nodeType(node_id, type_url);
  auto nack = t.fields().find("last_nack");
  if (nack == t.fields().end() || !nack->second.has_struct_value()) return std::nullopt;
  return structString(nack->second.struct_value(), "message");
}

}  // namespace meshproxy::testing
