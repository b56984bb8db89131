#include "tests/support/grpc_interop/interop_cases.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/testing/test.grpc.pb.h"

namespace meshproxy::grpc_interop {
namespace {

using grpc::ClientContext;
using grpc::StatusCode;
using grpc::testing::Empty;
using grpc::testing::SimpleRequest;
using grpc::testing::SimpleResponse;
using grpc::testing::StreamingInputCallRequest;
using grpc::testing::StreamingInputCallResponse;
using grpc::testing::StreamingOutputCallRequest;
using grpc::testing::StreamingOutputCallResponse;
using grpc::testing::TestService;

// Sizes the interop descriptions fix.
constexpr int kLargeRequestSize = 271828;
constexpr int kLargeResponseSize = 314159;
constexpr int kStreamRequestSizes[] = {27182, 8, 1828, 45904};
constexpr int kStreamResponseSizes[] = {31415, 9, 2653, 58979};
constexpr int kAggregatedRequestSize = 74922;  // sum of kStreamRequestSizes
constexpr char kEchoInitialKey[] = "x-grpc-test-echo-initial";
constexpr char kEchoInitialValue[] = "test_initial_metadata_value";
constexpr char kEchoTrailingBinKey[] = "x-grpc-test-echo-trailing-bin";
constexpr char kEchoTrailingBinValue[] = "\xab\xab\xab";
constexpr char kStatusMessage[] = "test status message";
constexpr char kSpecialStatusMessage[] =
    "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \U0001F608\t\n";

const char* codeName(StatusCode code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  int index = static_cast<int>(code);
  return index >= 0 && index < 17 ? kNames[index] : "?";
}

std::string describe(const grpc::Status& status) {
  std::string text =
      absl::StrCat(static_cast<int>(status.error_code()), " (", codeName(status.error_code()), ")");
  if (!status.error_message().empty()) {
    absl::StrAppend(&text, " \"", absl::CEscape(status.error_message()), "\"");
  }
  return text;
}

absl::Status failure(absl::string_view call, absl::string_view what) {
  return absl::InternalError(absl::StrCat(call, ": ", what));
}

absl::Status expectCode(absl::string_view call, const grpc::Status& status, StatusCode expected) {
  if (status.error_code() == expected) return absl::OkStatus();
  return failure(call, absl::StrCat("expected status ", static_cast<int>(expected), " (",
                                    codeName(expected), "), got ", describe(status)));
}

absl::Status expectOk(absl::string_view call, const grpc::Status& status) {
  return expectCode(call, status, StatusCode::OK);
}

// Code and message both, byte for byte (status_code_and_message, special_status_message).
absl::Status expectStatus(absl::string_view call, const grpc::Status& status, StatusCode code,
                          absl::string_view message) {
  if (status.error_code() == code && status.error_message() == message) return absl::OkStatus();
  return failure(call, absl::StrCat("expected status ", static_cast<int>(code), " \"",
                                    absl::CEscape(message), "\", got ", describe(status)));
}

// The payload body is `size` bytes, all zero.
absl::Status expectZeroPayload(absl::string_view call, const grpc::testing::Payload& payload,
                               int size) {
  const std::string& body = payload.body();
  if (body.size() != static_cast<size_t>(size)) {
    return failure(call, absl::StrCat("payload of ", body.size(), " bytes, expected ", size));
  }
  if (std::any_of(body.begin(), body.end(), [](char c) { return c != '\0'; })) {
    return failure(call, "payload bytes are not all zero");
  }
  return absl::OkStatus();
}

std::string zeros(int size) { return std::string(static_cast<size_t>(size), '\0'); }

// One metadata entry with exactly this key and value in the given multimap.
absl::Status expectMetadata(absl::string_view call, absl::string_view which,
                            const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
                            absl::string_view key, absl::string_view value) {
  auto [begin, end] = metadata.equal_range(grpc::string_ref(key.data(), key.size()));
  std::vector<std::string> seen;
  for (auto it = begin; it != end; ++it) seen.emplace_back(it->second.data(), it->second.size());
  if (seen.size() == 1 && seen[0] == value) return absl::OkStatus();
  std::string got = seen.empty() ? "nothing" : "";
  for (const std::string& v : seen)
    absl::StrAppend(&got, got.empty() ? "" : ", ", "\"", absl::CEscape(v), "\"");
  return failure(call, absl::StrCat(which, " metadata ", key, ": expected \"", absl::CEscape(value),
                                    "\", got ", got));
}

class Cases {
 public:
  explicit Cases(const CaseSettings& settings)
      : settings_(settings), stub_(TestService::NewStub(settings.channel)) {}

  absl::Status emptyUnary() {
    ClientContext context;
    withDeadline(context);
    Empty response;
    return expectOk("EmptyCall", stub_->EmptyCall(&context, Empty(), &response));
  }

  absl::Status largeUnary() {
    ClientContext context;
    withDeadline(context);
    SimpleResponse response;
    grpc::Status status = stub_->UnaryCall(&context, largeRequest(), &response);
    if (auto result = expectOk("UnaryCall", status); !result.ok()) return result;
    return expectZeroPayload("UnaryCall", response.payload(), kLargeResponseSize);
  }

  absl::Status clientStreaming() {
    ClientContext context;
    withDeadline(context);
    StreamingInputCallResponse response;
    auto stream = stub_->StreamingInputCall(&context, &response);
    for (int size : kStreamRequestSizes) {
      StreamingInputCallRequest request;
      request.mutable_payload()->set_body(zeros(size));
      if (!stream->Write(request)) break;  // Finish() says why
    }
    stream->WritesDone();
    grpc::Status status = stream->Finish();
    if (auto result = expectOk("StreamingInputCall", status); !result.ok()) return result;
    if (response.aggregated_payload_size() != kAggregatedRequestSize) {
      return failure("StreamingInputCall",
                     absl::StrCat("aggregated_payload_size ", response.aggregated_payload_size(),
                                  ", expected ", kAggregatedRequestSize));
    }
    return absl::OkStatus();
  }

  absl::Status serverStreaming() {
    ClientContext context;
    withDeadline(context);
    StreamingOutputCallRequest request;
    for (int size : kStreamResponseSizes) request.add_response_parameters()->set_size(size);
    auto stream = stub_->StreamingOutputCall(&context, request);
    StreamingOutputCallResponse response;
    std::vector<std::string> bodies;
    while (stream->Read(&response)) bodies.push_back(response.payload().body());
    grpc::Status status = stream->Finish();
    if (auto result = expectOk("StreamingOutputCall", status); !result.ok()) return result;
    return expectStreamedSizes("StreamingOutputCall", bodies);
  }

  absl::Status pingPong() {
    ClientContext context;
    withDeadline(context);
    auto stream = stub_->FullDuplexCall(&context);
    for (size_t i = 0; i < std::size(kStreamRequestSizes); ++i) {
      StreamingOutputCallRequest request;
      request.add_response_parameters()->set_size(kStreamResponseSizes[i]);
      request.mutable_payload()->set_body(zeros(kStreamRequestSizes[i]));
      StreamingOutputCallResponse response;
      if (!stream->Write(request) || !stream->Read(&response)) {
        grpc::Status status = stream->Finish();
        return failure("FullDuplexCall", absl::StrCat("stream ended before response ", i + 1,
                                                      " of 4, status ", describe(status)));
      }
      std::string call = absl::StrCat("FullDuplexCall response ", i + 1);
      auto result = expectZeroPayload(call, response.payload(), kStreamResponseSizes[i]);
      if (!result.ok()) {
        abandon(context, *stream);
        return result;
      }
    }
    stream->WritesDone();
    StreamingOutputCallResponse extra;
    if (stream->Read(&extra)) {
      abandon(context, *stream);
      return failure("FullDuplexCall", "a fifth response arrived");
    }
    return expectOk("FullDuplexCall", stream->Finish());
  }

  absl::Status emptyStream() {
    ClientContext context;
    withDeadline(context);
    auto stream = stub_->FullDuplexCall(&context);
    stream->WritesDone();
    StreamingOutputCallResponse response;
    if (stream->Read(&response)) {
      abandon(context, *stream);
      return failure("FullDuplexCall", "a response arrived");
    }
    return expectOk("FullDuplexCall", stream->Finish());
  }

  absl::Status customMetadata() {
    {
      ClientContext context;
      withDeadline(context);
      addEchoMetadata(context);
      SimpleResponse response;
      grpc::Status status = stub_->UnaryCall(&context, largeRequest(), &response);
      if (auto r = expectOk("UnaryCall", status); !r.ok()) return r;
      if (auto r = expectZeroPayload("UnaryCall", response.payload(), kLargeResponseSize);
          !r.ok()) {
        return r;
      }
      if (auto r = expectEchoedMetadata("UnaryCall", context); !r.ok()) return r;
    }
    ClientContext context;
    withDeadline(context);
    addEchoMetadata(context);
    auto stream = stub_->FullDuplexCall(&context);
    StreamingOutputCallRequest request;
    request.add_response_parameters()->set_size(kLargeResponseSize);
    request.mutable_payload()->set_body(zeros(kLargeRequestSize));
    StreamingOutputCallResponse response;
    bool got_response = stream->Write(request) && stream->Read(&response);
    stream->WritesDone();
    StreamingOutputCallResponse extra;
    bool got_extra = got_response && stream->Read(&extra);
    grpc::Status status = stream->Finish();
    if (auto r = expectOk("FullDuplexCall", status); !r.ok()) return r;
    if (!got_response) return failure("FullDuplexCall", "no response before the status");
    if (got_extra) return failure("FullDuplexCall", "a second response arrived");
    if (auto r = expectZeroPayload("FullDuplexCall", response.payload(), kLargeResponseSize);
        !r.ok()) {
      return r;
    }
    return expectEchoedMetadata("FullDuplexCall", context);
  }

  absl::Status statusCodeAndMessage() {
    {
      ClientContext context;
      withDeadline(context);
      SimpleRequest request;
      request.mutable_response_status()->set_code(2);
      request.mutable_response_status()->set_message(kStatusMessage);
      SimpleResponse response;
      grpc::Status status = stub_->UnaryCall(&context, request, &response);
      auto r = expectStatus("UnaryCall", status, StatusCode::UNKNOWN, kStatusMessage);
      if (!r.ok()) return r;
    }
    ClientContext context;
    withDeadline(context);
    auto stream = stub_->FullDuplexCall(&context);
    StreamingOutputCallRequest request;
    request.mutable_response_status()->set_code(2);
    request.mutable_response_status()->set_message(kStatusMessage);
    stream->Write(request);  // a failed write shows in Finish()
    stream->WritesDone();
    return expectStatus("FullDuplexCall", stream->Finish(), StatusCode::UNKNOWN, kStatusMessage);
  }

  absl::Status specialStatusMessage() {
    ClientContext context;
    withDeadline(context);
    SimpleRequest request;
    request.mutable_response_status()->set_code(2);
    request.mutable_response_status()->set_message(kSpecialStatusMessage);
    SimpleResponse response;
    grpc::Status status = stub_->UnaryCall(&context, request, &response);
    return expectStatus("UnaryCall", status, StatusCode::UNKNOWN, kSpecialStatusMessage);
  }

  // The server never answers a FullDuplexCall that has not half-closed, so a 1 ms deadline
  // must end the call with DEADLINE_EXCEEDED (raised by the client, a proxy or the server).
  absl::Status timeoutOnSleepingServer() {
    ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(1));
    auto stream = stub_->FullDuplexCall(&context);
    StreamingOutputCallRequest request;
    request.mutable_payload()->set_body(zeros(27182));
    stream->Write(request);  // may already fail: the deadline is that short
    auto result = expectCode("FullDuplexCall", stream->Finish(), StatusCode::DEADLINE_EXCEEDED);
    if (!result.ok()) return result;
    return channelStillServes("after the deadline");
  }

  absl::Status cancelAfterBegin() {
    ClientContext context;
    withDeadline(context);
    StreamingInputCallResponse response;
    auto stream = stub_->StreamingInputCall(&context, &response);
    context.TryCancel();
    auto result = expectCode("StreamingInputCall", stream->Finish(), StatusCode::CANCELLED);
    if (!result.ok()) return result;
    return channelStillServes("after the cancel");
  }

  absl::Status cancelAfterFirstResponse() {
    ClientContext context;
    withDeadline(context);
    auto stream = stub_->FullDuplexCall(&context);
    StreamingOutputCallRequest request;
    request.add_response_parameters()->set_size(31415);
    request.mutable_payload()->set_body(zeros(27182));
    StreamingOutputCallResponse response;
    if (!stream->Write(request) || !stream->Read(&response)) {
      return failure("FullDuplexCall",
                     absl::StrCat("no first response, status ", describe(stream->Finish())));
    }
    context.TryCancel();
    auto result = expectCode("FullDuplexCall", stream->Finish(), StatusCode::CANCELLED);
    if (!result.ok()) return result;
    result = expectZeroPayload("FullDuplexCall", response.payload(), 31415);
    if (!result.ok()) return result;
    return channelStillServes("after the cancel");
  }

  absl::Status unimplementedMethod() {
    ClientContext context;
    withDeadline(context);
    Empty response;
    return expectCode("TestService/UnimplementedCall",
                      stub_->UnimplementedCall(&context, Empty(), &response),
                      StatusCode::UNIMPLEMENTED);
  }

  absl::Status unimplementedService() {
    auto stub = grpc::testing::UnimplementedService::NewStub(settings_.channel);
    ClientContext context;
    withDeadline(context);
    Empty response;
    return expectCode("UnimplementedService/UnimplementedCall",
                      stub->UnimplementedCall(&context, Empty(), &response),
                      StatusCode::UNIMPLEMENTED);
  }

  // Not an interop case: grpc.health.v1.Health/Check for settings_.health_service.
  absl::Status healthCheck() {
    auto stub = grpc::health::v1::Health::NewStub(settings_.channel);
    ClientContext context;
    withDeadline(context);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(settings_.health_service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    std::string got =
        status.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
                    : std::string(codeName(status.error_code()));
    if (got == settings_.expect_health) return absl::OkStatus();
    return failure(absl::StrCat("Health/Check(\"", settings_.health_service, "\")"),
                   absl::StrCat("expected ", settings_.expect_health, ", got ",
                                status.ok() ? got : describe(status)));
  }

 private:
  void withDeadline(ClientContext& context) const {
    context.set_deadline(std::chrono::system_clock::now() + settings_.rpc_timeout);
  }

  // Ends a stream the case gives up on, so grpc++ never sees it dropped unfinished.
  template <typename Stream>
  static void abandon(ClientContext& context, Stream& stream) {
    context.TryCancel();
    stream.Finish();
  }

  static SimpleRequest largeRequest() {
    SimpleRequest request;
    request.set_response_size(kLargeResponseSize);
    request.mutable_payload()->set_body(zeros(kLargeRequestSize));
    return request;
  }

  static void addEchoMetadata(ClientContext& context) {
    context.AddMetadata(kEchoInitialKey, kEchoInitialValue);
    context.AddMetadata(kEchoTrailingBinKey,
                        std::string(kEchoTrailingBinValue, sizeof(kEchoTrailingBinValue) - 1));
  }

  static absl::Status expectEchoedMetadata(absl::string_view call, const ClientContext& context) {
    auto r = expectMetadata(call, "initial", context.GetServerInitialMetadata(), kEchoInitialKey,
                            kEchoInitialValue);
    if (!r.ok()) return r;
    return expectMetadata(
        call, "trailing", context.GetServerTrailingMetadata(), kEchoTrailingBinKey,
        absl::string_view(kEchoTrailingBinValue, sizeof(kEchoTrailingBinValue) - 1));
  }

  static absl::Status expectStreamedSizes(absl::string_view call,
                                          const std::vector<std::string>& bodies) {
    if (bodies.size() != std::size(kStreamResponseSizes)) {
      return failure(call, absl::StrCat(bodies.size(), " responses, expected 4"));
    }
    for (size_t i = 0; i < bodies.size(); ++i) {
      grpc::testing::Payload payload;
      payload.set_body(bodies[i]);
      auto r = expectZeroPayload(absl::StrCat(call, " response ", i + 1), payload,
                                 kStreamResponseSizes[i]);
      if (!r.ok()) return r;
    }
    return absl::OkStatus();
  }

  // Beyond the descriptions: a reset stream must leave the connection (and any proxy on the
  // path) able to carry the next call.
  absl::Status channelStillServes(absl::string_view when) {
    ClientContext context;
    withDeadline(context);
    Empty response;
    grpc::Status status = stub_->EmptyCall(&context, Empty(), &response);
    if (status.ok()) return absl::OkStatus();
    return failure(absl::StrCat("EmptyCall ", when), absl::StrCat("got ", describe(status)));
  }

  const CaseSettings& settings_;
  std::unique_ptr<TestService::Stub> stub_;
};

using CaseFn = absl::Status (Cases::*)();

const std::vector<std::pair<std::string, CaseFn>>& caseTable() {
  static const auto* table = new std::vector<std::pair<std::string, CaseFn>>{
      {"empty_unary", &Cases::emptyUnary},
      {"large_unary", &Cases::largeUnary},
      {"client_streaming", &Cases::clientStreaming},
      {"server_streaming", &Cases::serverStreaming},
      {"ping_pong", &Cases::pingPong},
      {"empty_stream", &Cases::emptyStream},
      {"custom_metadata", &Cases::customMetadata},
      {"status_code_and_message", &Cases::statusCodeAndMessage},
      {"special_status_message", &Cases::specialStatusMessage},
      {"timeout_on_sleeping_server", &Cases::timeoutOnSleepingServer},
      {"cancel_after_begin", &Cases::cancelAfterBegin},
      {"cancel_after_first_response", &Cases::cancelAfterFirstResponse},
      {"unimplemented_method", &Cases::unimplementedMethod},
      {"unimplemented_service", &Cases::unimplementedService},
  };
  return *table;
}

constexpr char kHealthCheckCase[] = "health_check";

}  // namespace

const std::vector<std::string>& standardCaseNames() {
  static const auto* names = [] {
    auto* out = new std::vector<std::string>;
    for (const auto& [name, fn] : caseTable()) out->push_back(name);
    return out;
  }();
  return *names;
}

bool isKnownCase(absl::string_view name) {
  if (name == kHealthCheckCase) return true;
  const auto& names = standardCaseNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

absl::Status runCase(absl::string_view name, const CaseSettings& settings) {
  Cases cases(settings);
  if (name == kHealthCheckCase) return cases.healthCheck();
  for (const auto& [case_name, fn] : caseTable()) {
    if (case_name == name) return (cases.*fn)();
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown test case \"", name, "\""));
}

}  // namespace meshproxy::grpc_interop
