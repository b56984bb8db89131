#include "proxy/http/codec.h"

namespace meshproxy::http {

std::string_view toString(Protocol protocol) {
  switch (protocol) {
    case Protocol::kHttp10:
      return "HTTP/1.0";
    case Protocol::kHttp11:
      return "HTTP/1.1";
    case Protocol::kHttp2:
      return "HTTP/2";
  }
  return "HTTP/1.1";
}

std::string_view toString(StreamResetReason reason) {
  switch (reason) {
    case StreamResetReason::kConnectionFailure:
      return "connection_failure";
    case StreamResetReason::kConnectionTermination:
      return "connection_termination";
    case StreamResetReason::kLocalReset:
      return "local_reset";
    case StreamResetReason::kRemoteReset:
      return "remote_reset";
    case StreamResetReason::kOverflow:
      return "overflow";
    case StreamResetReason::kProtocolError:
      return "protocol_error";
    case StreamResetReason::kLocalRefusedStreamReset:
      return "local_refused_stream_reset";
    case StreamResetReason::kRemoteRefusedStreamReset:
      return "remote_refused_stream_reset";
    case StreamResetReason::kConnectError:
      return "connect_error";
  }
  return "unknown";
}

uint32_t httpStatusForCodecError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted ? 431 : 400;
}

}  // namespace meshproxy::http
