#include "proxy/upstream/grpc_health_check_codec.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace meshproxy::upstream {

using google::protobuf::internal::WireFormatLite;

std::string encodeGrpcHealthCheckRequest(std::string_view service) {
  std::string message;
  if (!service.empty()) {
    google::protobuf::io::StringOutputStream stream(&message);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.WriteTag(WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    out.WriteVarint32(static_cast<uint32_t>(service.size()));
    out.WriteRaw(service.data(), static_cast<int>(service.size()));
  }
  std::string frame(5, '\0');
  uint32_t n = static_cast<uint32_t>(message.size());
  frame[1] = static_cast<char>(n >> 24);
  frame[2] = static_cast<char>(n >> 16);
  frame[3] = static_cast<char>(n >> 8);
  frame[4] = static_cast<char>(n);
  return frame + message;
}

absl::StatusOr<int> decodeGrpcHealthCheckResponse(std::string_view body) {
  if (body.size() < 5) return absl::InvalidArgumentError("no complete gRPC message");
  if (body[0] != 0) return absl::InvalidArgumentError("compressed gRPC message");
  uint32_t n = (static_cast<uint32_t>(static_cast<uint8_t>(body[1])) << 24) |
               (static_cast<uint32_t>(static_cast<uint8_t>(body[2])) << 16) |
               (static_cast<uint32_t>(static_cast<uint8_t>(body[3])) << 8) |
               static_cast<uint32_t>(static_cast<uint8_t>(body[4]));
  if (body.size() != 5 + static_cast<size_t>(n)) {
    return absl::InvalidArgumentError("body is not exactly one gRPC message");
  }
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()) + 5,
                                            static_cast<int>(n));
  int status = 0;  // proto3 default: UNKNOWN
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == 1 &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      uint32_t v = 0;
      if (!in.ReadVarint32(&v)) return absl::InvalidArgumentError("malformed status");
      status = static_cast<int>(v);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return absl::InvalidArgumentError("malformed HealthCheckResponse");
    }
  }
  if (!in.ConsumedEntireMessage() && in.CurrentPosition() != static_cast<int>(n)) {
    return absl::InvalidArgumentError("malformed HealthCheckResponse");
  }
  return status;
}

}  // namespace meshproxy::upstream
