// The interop client's checks catch what a broken server or proxy would do: each case runs
// against an in-process grpc++ server whose TestService misbehaves in one way, and must fail
// naming what differed; against the real TestServiceImpl every case passes.
#include "tests/support/grpc_interop/interop_cases.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/support/grpc_interop/test_service.h"

namespace meshproxy::grpc_interop {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::testing::Empty;
using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;
using grpc::testing::StreamingOutputCallRequest;
using grpc::testing::StreamingOutputCallResponse;
using ::testing::HasSubstr;
using DuplexStream =
    grpc::ServerReaderWriter<StreamingOutputCallResponse, StreamingOutputCallRequest>;

// A plaintext grpc++ server on 127.0.0.1:<kernel's port> for the services given.
class InProcessServer {
 public:
  explicit InProcessServer(std::vector<grpc::Service*> services) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    for (grpc::Service* service : services) builder.RegisterService(service);
    server_ = builder.BuildAndStart();
  }
  ~InProcessServer() {
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  }
  bool ready() const { return server_ != nullptr && port_ != 0; }

  absl::Status run(const std::string& name) {
    CaseSettings settings;
    settings.channel =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials());
    settings.rpc_timeout = std::chrono::seconds(5);
    return runCase(name, settings);
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST(InteropCases, EveryStandardCasePassesAgainstTheTestService) {
  TestServiceImpl service("id");
  InProcessServer server({&service});
  ASSERT_TRUE(server.ready());
  for (const std::string& name : standardCaseNames()) {
    absl::Status result = server.run(name);
    EXPECT_TRUE(result.ok()) << name << ": " << result;
  }
}

TEST(InteropCases, UnknownNameIsInvalidArgument) {
  TestServiceImpl service("id");
  InProcessServer server({&service});
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.run("no_such_case").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(isKnownCase("no_such_case"));
  EXPECT_TRUE(isKnownCase("health_check"));
}

// One way to misbehave: a TestServiceImpl with one method replaced.
class Misbehaving : public TestServiceImpl {
 public:
  Misbehaving() : TestServiceImpl("id") {}
  std::function<Status(ServerContext*, const SimpleRequest*, SimpleResponse*)> unary;
  std::function<Status(ServerContext*, DuplexStream*)> duplex;
  std::function<Status(ServerContext*, const StreamingOutputCallRequest*,
                       grpc::ServerWriter<StreamingOutputCallResponse>*)>
      output;
  std::function<Status(ServerContext*,
                       grpc::ServerReader<grpc::testing::StreamingInputCallRequest>*,
                       grpc::testing::StreamingInputCallResponse*)>
      input;
  std::function<Status()> empty;
  std::function<Status()> unimplemented;

  Status EmptyCall(ServerContext* c, const Empty* q, Empty* r) override {
    return empty ? empty() : TestServiceImpl::EmptyCall(c, q, r);
  }
  Status UnaryCall(ServerContext* c, const SimpleRequest* q, SimpleResponse* r) override {
    return unary ? unary(c, q, r) : TestServiceImpl::UnaryCall(c, q, r);
  }
  Status StreamingOutputCall(ServerContext* c, const StreamingOutputCallRequest* q,
                             grpc::ServerWriter<StreamingOutputCallResponse>* w) override {
    return output ? output(c, q, w) : TestServiceImpl::StreamingOutputCall(c, q, w);
  }
  Status StreamingInputCall(ServerContext* c,
                            grpc::ServerReader<grpc::testing::StreamingInputCallRequest>* q,
                            grpc::testing::StreamingInputCallResponse* r) override {
    return input ? input(c, q, r) : TestServiceImpl::StreamingInputCall(c, q, r);
  }
  Status FullDuplexCall(ServerContext* c, DuplexStream* s) override {
    return duplex ? duplex(c, s) : TestServiceImpl::FullDuplexCall(c, s);
  }
  Status UnimplementedCall(ServerContext*, const Empty*, Empty*) override {
    return unimplemented ? unimplemented() : Status(grpc::StatusCode::UNIMPLEMENTED, "");
  }
};

struct Fault {
  std::string what;
  std::function<void(Misbehaving&)> apply;
  std::string test_case;
  std::string message;  // part of the failure the case must report
};

StreamingOutputCallResponse zeros(int size) {
  StreamingOutputCallResponse response;
  response.mutable_payload()->set_body(std::string(static_cast<size_t>(size), '\0'));
  return response;
}

// Answers every duplex request with `per_request` responses of its first size.
std::function<Status(ServerContext*, DuplexStream*)> duplexAnswering(int per_request) {
  return [per_request](ServerContext*, DuplexStream* stream) {
    StreamingOutputCallRequest request;
    while (stream->Read(&request)) {
      for (int i = 0; i < per_request && request.response_parameters_size() > 0; ++i) {
        stream->Write(zeros(request.response_parameters(0).size()));
      }
    }
    return Status::OK;
  };
}

// Reads one request and ends the call with OK without answering it.
Status duplexEndingUnanswered(ServerContext*, DuplexStream* stream) {
  StreamingOutputCallRequest request;
  stream->Read(&request);
  return Status::OK;
}

std::vector<Fault> faults() {
  return {
      {"a short payload",
       [](Misbehaving& s) {
         s.unary = [](ServerContext*, const SimpleRequest* q, SimpleResponse* r) {
           r->mutable_payload()->set_body(std::string(q->response_size() - 1, '\0'));
           return Status::OK;
         };
       },
       "large_unary", "payload of 314158 bytes, expected 314159"},
      {"payload bytes that are not zero",
       [](Misbehaving& s) {
         s.unary = [](ServerContext*, const SimpleRequest* q, SimpleResponse* r) {
           r->mutable_payload()->set_body(std::string(q->response_size(), 'x'));
           return Status::OK;
         };
       },
       "large_unary", "not all zero"},
      {"an error instead of the empty reply",
       [](Misbehaving& s) { s.empty = [] { return Status(grpc::StatusCode::INTERNAL, "boom"); }; },
       "empty_unary", "expected status 0 (OK), got 13 (INTERNAL) \"boom\""},
      {"a miscounted client stream",
       [](Misbehaving& s) {
         s.input = [](ServerContext*,
                      grpc::ServerReader<grpc::testing::StreamingInputCallRequest>* q,
                      grpc::testing::StreamingInputCallResponse* r) {
           grpc::testing::StreamingInputCallRequest request;
           int total = 0;
           while (q->Read(&request)) total += static_cast<int>(request.payload().body().size());
           r->set_aggregated_payload_size(total - 8);  // lost the 8-byte message
           return Status::OK;
         };
       },
       "client_streaming", "aggregated_payload_size 74914, expected 74922"},
      {"an extra server-streamed message",
       [](Misbehaving& s) {
         s.output = [](ServerContext*, const StreamingOutputCallRequest* q,
                       grpc::ServerWriter<StreamingOutputCallResponse>* w) {
           for (const auto& p : q->response_parameters()) w->Write(zeros(p.size()));
           w->Write(zeros(1));
           return Status::OK;
         };
       },
       "server_streaming", "5 responses, expected 4"},
      {"server-streamed messages out of order",
       [](Misbehaving& s) {
         s.output = [](ServerContext*, const StreamingOutputCallRequest* q,
                       grpc::ServerWriter<StreamingOutputCallResponse>* w) {
           for (int i = q->response_parameters_size() - 1; i >= 0; --i) {
             w->Write(zeros(q->response_parameters(i).size()));
           }
           return Status::OK;
         };
       },
       "server_streaming", "response 1: payload of 58979 bytes, expected 31415"},
      {"two answers per ping", [](Misbehaving& s) { s.duplex = duplexAnswering(2); }, "ping_pong",
       "response 2: payload of 31415 bytes, expected 9"},
      {"no answer to a ping", [](Misbehaving& s) { s.duplex = duplexEndingUnanswered; },
       "ping_pong", "stream ended before response 1 of 4, status 0 (OK)"},
      {"a message on an empty stream",
       [](Misbehaving& s) {
         s.duplex = [](ServerContext*, DuplexStream* stream) {
           StreamingOutputCallRequest request;
           while (stream->Read(&request)) {
           }
           stream->Write(zeros(3));
           return Status::OK;
         };
       },
       "empty_stream", "a response arrived"},
      {"trailing metadata lost",
       [](Misbehaving& s) {
         s.unary = [](ServerContext* c, const SimpleRequest* q, SimpleResponse* r) {
           auto it = c->client_metadata().find("x-grpc-test-echo-initial");
           if (it != c->client_metadata().end()) {
             c->AddInitialMetadata("x-grpc-test-echo-initial",
                                   std::string(it->second.data(), it->second.size()));
           }
           r->mutable_payload()->set_body(std::string(q->response_size(), '\0'));
           return Status::OK;
         };
       },
       "custom_metadata",
       "UnaryCall: trailing metadata x-grpc-test-echo-trailing-bin: expected "
       "\"\\253\\253\\253\", got nothing"},
      {"initial metadata lost in the duplex call",
       [](Misbehaving& s) { s.duplex = duplexAnswering(1); }, "custom_metadata",
       "FullDuplexCall: initial metadata x-grpc-test-echo-initial: expected "
       "\"test_initial_metadata_value\", got nothing"},
      {"another status code",
       [](Misbehaving& s) {
         s.unary = [](ServerContext*, const SimpleRequest* q, SimpleResponse*) {
           return Status(grpc::StatusCode::INTERNAL, q->response_status().message());
         };
       },
       "status_code_and_message", "expected status 2 \"test status message\", got 13 (INTERNAL)"},
      {"the duplex call ignoring response_status",
       [](Misbehaving& s) { s.duplex = duplexAnswering(1); }, "status_code_and_message",
       "FullDuplexCall: expected status 2 \"test status message\", got 0 (OK)"},
      {"whitespace trimmed from the status message",
       [](Misbehaving& s) {
         s.unary = [](ServerContext*, const SimpleRequest* q, SimpleResponse*) {
           std::string m = q->response_status().message();
           m = m.substr(2, m.size() - 4);
           return Status(grpc::StatusCode::UNKNOWN, m);
         };
       },
       "special_status_message", "expected status 2 \"\\t\\ntest with whitespace"},
      {"UnimplementedCall implemented",
       [](Misbehaving& s) { s.unimplemented = [] { return Status::OK; }; }, "unimplemented_method",
       "expected status 12 (UNIMPLEMENTED), got 0 (OK)"},
      {"no first response before the cancel",
       [](Misbehaving& s) { s.duplex = duplexEndingUnanswered; }, "cancel_after_first_response",
       "no first response"},
      {"a broken connection after a cancel",
       [](Misbehaving& s) {
         s.empty = [] { return Status(grpc::StatusCode::UNAVAILABLE, "gone"); };
       },
       "cancel_after_begin", "EmptyCall after the cancel: got 14 (UNAVAILABLE)"},
      {"a broken connection after a deadline",
       [](Misbehaving& s) {
         s.empty = [] { return Status(grpc::StatusCode::UNAVAILABLE, "gone"); };
       },
       "timeout_on_sleeping_server", "EmptyCall after the deadline: got 14 (UNAVAILABLE)"},
  };
}

TEST(InteropCases, EachFaultFailsItsCaseWithAMessage) {
  for (const Fault& fault : faults()) {
    SCOPED_TRACE(fault.what);
    Misbehaving service;
    fault.apply(service);
    InProcessServer server({&service});
    ASSERT_TRUE(server.ready());
    absl::Status result = server.run(fault.test_case);
    EXPECT_FALSE(result.ok()) << fault.test_case;
    EXPECT_THAT(std::string(result.message()), HasSubstr(fault.message)) << fault.test_case;
  }
}

// UnimplementedService answering would be a proxy routing the call somewhere it should not go.
class ImplementedUnimplementedService final : public grpc::testing::UnimplementedService::Service {
  Status UnimplementedCall(ServerContext*, const Empty*, Empty*) override { return Status::OK; }
};

TEST(InteropCases, UnimplementedServiceThatAnswersFails) {
  TestServiceImpl service("id");
  ImplementedUnimplementedService other;
  InProcessServer server({&service, &other});
  ASSERT_TRUE(server.ready());
  absl::Status result = server.run("unimplemented_service");
  EXPECT_THAT(std::string(result.message()),
              HasSubstr("expected status 12 (UNIMPLEMENTED), got 0 (OK)"));
}

}  // namespace
}  // namespace meshproxy::grpc_interop
