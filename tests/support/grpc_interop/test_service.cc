#include "tests/support/grpc_interop/test_service.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace meshproxy::grpc_interop {
namespace {

using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;
using grpc::testing::Payload;
using grpc::testing::ResponseParameters;
using grpc::testing::StreamingOutputCallRequest;
using grpc::testing::StreamingOutputCallResponse;

constexpr char kEchoInitialKey[] = "x-grpc-test-echo-initial";
constexpr char kEchoTrailingBinKey[] = "x-grpc-test-echo-trailing-bin";
// A bound on one response message, so a typo in a test cannot make the server allocate
// gigabytes; long streams are many messages, not one large one.
constexpr int kMaxPayloadBytes = 64 << 20;
// HalfDuplexCall buffers requests until the half-close; bound how many.
constexpr size_t kMaxBufferedRequests = 10000;

// Echo Metadata: the two well-known keys go back unchanged, the first as initial metadata, the
// second (binary) as trailing metadata. Every value is echoed if the client sent several.
void echoMetadata(ServerContext* context) {
  const auto& metadata = context->client_metadata();
  auto [initial_begin, initial_end] = metadata.equal_range(kEchoInitialKey);
  for (auto it = initial_begin; it != initial_end; ++it) {
    context->AddInitialMetadata(kEchoInitialKey, std::string(it->second.data(), it->second.size()));
  }
  auto [trailing_begin, trailing_end] = metadata.equal_range(kEchoTrailingBinKey);
  for (auto it = trailing_begin; it != trailing_end; ++it) {
    context->AddTrailingMetadata(kEchoTrailingBinKey,
                                 std::string(it->second.data(), it->second.size()));
  }
}

Status echoedStatus(const grpc::testing::EchoStatus& echo) {
  return Status(static_cast<StatusCode>(echo.code()), echo.message());
}

// Fills a COMPRESSABLE payload of `size` zero bytes (the only payload type test.proto has).
Status makePayload(grpc::testing::PayloadType type, int size, Payload* payload) {
  if (type != grpc::testing::COMPRESSABLE) {
    return Status(StatusCode::INVALID_ARGUMENT, absl::StrCat("unsupported payload type ", type));
  }
  if (size < 0 || size > kMaxPayloadBytes) {
    return Status(StatusCode::INVALID_ARGUMENT,
                  absl::StrCat("payload size ", size, " outside [0, ", kMaxPayloadBytes, "]"));
  }
  payload->set_type(type);
  payload->set_body(std::string(static_cast<size_t>(size), '\0'));
  return Status::OK;
}

// The server cannot see whether a request message arrived compressed (grpc++ has no public
// API for the per-message flag), so it refuses requests that ask it to check, instead of
// pretending the check passed.
Status refuseExpectCompressed() {
  return Status(StatusCode::UNIMPLEMENTED,
                "expect_compressed is not supported by mesh-grpc-interop-server");
}

// ResponseParameters.interval_us: sleep before the response, in steps short enough to notice
// a cancelled or expired call.
void sleepUnlessCancelled(ServerContext* context, int64_t interval_us) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(interval_us);
  while (!context->IsCancelled()) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(10)));
  }
}

// Writes one response per ResponseParameters of `request`. Per-message compression is only
// offered where the call's algorithm was chosen up front (StreamingOutputCall).
template <typename Writer>
Status writeResponses(ServerContext* context, const StreamingOutputCallRequest& request,
                      bool compression_allowed, Writer* writer) {
  StreamingOutputCallResponse response;
  for (const ResponseParameters& params : request.response_parameters()) {
    grpc::WriteOptions options;
    if (params.has_compressed()) {
      if (!compression_allowed) {
        return Status(StatusCode::UNIMPLEMENTED,
                      "ResponseParameters.compressed is supported in StreamingOutputCall only");
      }
      if (!params.compressed().value()) options.set_no_compression();
    }
    Status status = makePayload(request.response_type(), params.size(), response.mutable_payload());
    if (!status.ok()) return status;
    if (params.interval_us() > 0) sleepUnlessCancelled(context, params.interval_us());
    if (!writer->Write(response, options)) {
      return Status(StatusCode::INTERNAL, "writing a response failed (client gone?)");
    }
  }
  return Status::OK;
}

}  // namespace

Status TestServiceImpl::EmptyCall(ServerContext* context, const grpc::testing::Empty*,
                                  grpc::testing::Empty*) {
  echoMetadata(context);
  return Status::OK;
}

Status TestServiceImpl::UnaryCall(ServerContext* context,
                                  const grpc::testing::SimpleRequest* request,
                                  grpc::testing::SimpleResponse* response) {
  echoMetadata(context);
  if (request->has_expect_compressed() && request->expect_compressed().value()) {
    return refuseExpectCompressed();
  }
  if (request->has_response_compressed()) {
    context->set_compression_algorithm(request->response_compressed().value() ? GRPC_COMPRESS_GZIP
                                                                              : GRPC_COMPRESS_NONE);
  }
  if (request->has_response_status()) return echoedStatus(request->response_status());
  Status status =
      makePayload(request->response_type(), request->response_size(), response->mutable_payload());
  if (!status.ok()) return status;
  if (request->fill_server_id()) response->set_server_id(server_id_);
  return Status::OK;
}

// Writes the requested responses, then closes with response_status if one was asked for (a
// stream that carries messages and ends in an error, which proxies must pass through intact).
Status TestServiceImpl::StreamingOutputCall(
    ServerContext* context, const StreamingOutputCallRequest* request,
    grpc::ServerWriter<StreamingOutputCallResponse>* writer) {
  echoMetadata(context);
  const auto& params = request->response_parameters();
  if (std::any_of(params.begin(), params.end(), [](const auto& p) { return p.has_compressed(); })) {
    // Compress by default; messages with compressed=false opt out one by one.
    context->set_compression_algorithm(GRPC_COMPRESS_GZIP);
  }
  Status status = writeResponses(context, *request, /*compression_allowed=*/true, writer);
  if (!status.ok()) return status;
  if (request->has_response_status()) return echoedStatus(request->response_status());
  return Status::OK;
}

Status TestServiceImpl::StreamingInputCall(
    ServerContext* context, grpc::ServerReader<grpc::testing::StreamingInputCallRequest>* reader,
    grpc::testing::StreamingInputCallResponse* response) {
  echoMetadata(context);
  grpc::testing::StreamingInputCallRequest request;
  int64_t total = 0;
  while (reader->Read(&request)) {
    if (request.has_expect_compressed() && request.expect_compressed().value()) {
      return refuseExpectCompressed();
    }
    total += static_cast<int64_t>(request.payload().body().size());
  }
  if (context->IsCancelled()) return Status(StatusCode::CANCELLED, "cancelled by the client");
  response->set_aggregated_payload_size(static_cast<int32_t>(total));
  return Status::OK;
}

// Answers each request as it arrives; a request with response_status ends the call with it.
Status TestServiceImpl::FullDuplexCall(
    ServerContext* context,
    grpc::ServerReaderWriter<StreamingOutputCallResponse, StreamingOutputCallRequest>* stream) {
  echoMetadata(context);
  StreamingOutputCallRequest request;
  while (stream->Read(&request)) {
    if (request.has_response_status()) return echoedStatus(request.response_status());
    Status status = writeResponses(context, request, /*compression_allowed=*/false, stream);
    if (!status.ok()) return status;
  }
  return Status::OK;
}

// Reads every request until the client half-closes, then answers them in order.
Status TestServiceImpl::HalfDuplexCall(
    ServerContext* context,
    grpc::ServerReaderWriter<StreamingOutputCallResponse, StreamingOutputCallRequest>* stream) {
  echoMetadata(context);
  std::vector<StreamingOutputCallRequest> requests;
  StreamingOutputCallRequest request;
  while (stream->Read(&request)) {
    if (requests.size() == kMaxBufferedRequests) {
      return Status(
          StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("HalfDuplexCall buffers at most ", kMaxBufferedRequests, " requests"));
    }
    requests.push_back(request);
  }
  for (const StreamingOutputCallRequest& buffered : requests) {
    if (buffered.has_response_status()) return echoedStatus(buffered.response_status());
    Status status = writeResponses(context, buffered, /*compression_allowed=*/false, stream);
    if (!status.ok()) return status;
  }
  return Status::OK;
}

}  // namespace meshproxy::grpc_interop
