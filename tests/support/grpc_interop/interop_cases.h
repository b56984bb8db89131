// The client side of gRPC's interop test cases (doc/interop-test-descriptions.md), each a
// function that runs its calls on a channel and checks what the descriptions assert.
#pragma once

#include <grpcpp/channel.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace meshproxy::grpc_interop {

struct CaseSettings {
  std::shared_ptr<grpc::Channel> channel;
  // Deadline of every call (except timeout_on_sleeping_server's 1 ms), so a broken path fails
  // the case instead of hanging it.
  std::chrono::milliseconds rpc_timeout{10000};
  // health_check only: the service asked about and the status expected (a ServingStatus name,
  // or the name of the gRPC status code the call should fail with, e.g. NOT_FOUND).
  std::string health_service;
  std::string expect_health = "SERVING";
};

// The standard cases this client implements, in the order of the interop descriptions.
const std::vector<std::string>& standardCaseNames();
// Standard cases plus this client's extras (health_check).
bool isKnownCase(absl::string_view name);

// Runs one case: OK if every assertion held, otherwise a status whose message says which call
// and what differed. An unknown name gives InvalidArgument.
absl::Status runCase(absl::string_view name, const CaseSettings& settings);

}  // namespace meshproxy::grpc_interop
