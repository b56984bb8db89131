// grpc.testing.TestService as gRPC's interop test descriptions define the server side
// (doc/interop-test-descriptions.md, "Server"): EmptyCall, UnaryCall, StreamingOutputCall,
// StreamingInputCall, FullDuplexCall, HalfDuplexCall, with Echo Status, Echo Metadata and
// ResponseParameters.interval_us. UnimplementedCall and CacheableUnaryCall are left to the
// generated base class, which answers UNIMPLEMENTED; UnimplementedService is not registered.
// Not final: the unit test of the client's cases derives services that misbehave on purpose.
#pragma once

#include <string>
#include <utility>

#include "grpc/testing/test.grpc.pb.h"

namespace meshproxy::grpc_interop {

class TestServiceImpl : public grpc::testing::TestService::Service {
 public:
  // server_id fills SimpleResponse.server_id when a request sets fill_server_id (lets a test
  // see which backend answered a call through a load balancer).
  explicit TestServiceImpl(std::string server_id) : server_id_(std::move(server_id)) {}

  grpc::Status EmptyCall(grpc::ServerContext* context, const grpc::testing::Empty* request,
                         grpc::testing::Empty* response) override;
  grpc::Status UnaryCall(grpc::ServerContext* context, const grpc::testing::SimpleRequest* request,
                         grpc::testing::SimpleResponse* response) override;
  grpc::Status StreamingOutputCall(
      grpc::ServerContext* context, const grpc::testing::StreamingOutputCallRequest* request,
      grpc::ServerWriter<grpc::testing::StreamingOutputCallResponse>* writer) override;
  grpc::Status StreamingInputCall(
      grpc::ServerContext* context,
      grpc::ServerReader<grpc::testing::StreamingInputCallRequest>* reader,
      grpc::testing::StreamingInputCallResponse* response) override;
  grpc::Status FullDuplexCall(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::testing::StreamingOutputCallResponse,
                               grpc::testing::StreamingOutputCallRequest>* stream) override;
  grpc::Status HalfDuplexCall(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::testing::StreamingOutputCallResponse,
                               grpc::testing::StreamingOutputCallRequest>* stream) override;

 private:
  const std::string server_id_;
};

}  // namespace meshproxy::grpc_interop
