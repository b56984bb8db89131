#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "proxy/accesslog/grpc_status.h"
#include "proxy/accesslog/start_time_format.h"
#include "proxy/accesslog/stream_info.h"

namespace meshproxy::accesslog {

// The command operators we implement, named as in Envoy's access log docs.
enum class CommandOperator : uint8_t {
  kStartTime,
  kDuration,
  kRequestDuration,
  kResponseDuration,
  kResponseTxDuration,
  kRequestHeader,    // REQ(X?Y):Z
  kResponseHeader,   // RESP(X?Y):Z
  kResponseTrailer,  // TRAILER(X?Y):Z
  kResponseCode,
  kResponseCodeDetails,
  kConnectionTerminationDetails,
  kResponseFlags,
  kBytesReceived,
  kBytesSent,
  kProtocol,
  kUpstreamHost,
  kUpstreamCluster,  // also UPSTREAM_CLUSTER_RAW, which Istio's default format uses
  kUpstreamLocalAddress,
  kUpstreamTransportFailureReason,
  kDownstreamRemoteAddress,
  kDownstreamRemoteAddressWithoutPort,
  kDownstreamLocalAddress,
  kDownstreamLocalAddressWithoutPort,
  kDownstreamDirectRemoteAddress,
  kDownstreamDirectRemoteAddressWithoutPort,
  kRequestedServerName,
  kRouteName,
  kTraceId,  // the request's trace id in hex ("-" when it was not traced)
  kDownstreamPeerUriSan,
  kUpstreamPeerUriSan,
  kHostname,
  kUpstreamRequestAttemptCount,
  kDynamicMetadata,  // DYNAMIC_METADATA(NAMESPACE:KEY*):Z
  kGrpcStatus,       // GRPC_STATUS(CAMEL_STRING|SNAKE_STRING|NUMBER)
};

// One parsed command operator, e.g. %REQ(X-ENVOY-ORIGINAL-PATH?:PATH):64%. Everything that can
// be decided at config time (which field, lowercased header names, the compiled time format,
// the host name) is decided in parse(), so append() is a switch and a copy.
class Command {
 public:
  // `name` is the operator ("REQ"), `args` what stood between the parentheses (nullopt when
  // there were none) and `max_length` the ":Z" suffix.
  static absl::StatusOr<Command> parse(std::string_view name, std::optional<std::string_view> args,
                                       std::optional<size_t> max_length);

  // Appends the value, cut to max_length. Returns false and leaves `out` as it was when the
  // value is missing or empty, so the caller decides between "-", null and nothing.
  // `raw_json`, when given, is set when the value appended is JSON rather than text (a
  // DYNAMIC_METADATA number, bool, struct or list), which a typed JSON log writes unquoted.
  bool append(const StreamInfo& info, std::string& out, bool* raw_json = nullptr) const;

  // True for operators whose value is a number, which JSON output keeps unquoted.
  bool numeric() const;

  CommandOperator op() const { return op_; }

 private:
  Command() = default;
  bool appendUntruncated(const StreamInfo& info, std::string& out, bool* raw_json) const;

  CommandOperator op_ = CommandOperator::kStartTime;
  std::string header_;      // REQ/RESP/TRAILER: lowercased main header
  std::string alt_header_;  // REQ/RESP/TRAILER: lowercased fallback, may be empty
  std::optional<size_t> max_length_;
  GrpcStatusFormat grpc_status_format_ = GrpcStatusFormat::kCamelString;
  std::optional<StartTimeFormat> time_format_;  // START_TIME only
  std::string hostname_;                        // HOSTNAME only: read once at config time
  std::vector<std::string> metadata_path_;      // DYNAMIC_METADATA: namespace, then keys
};

}  // namespace meshproxy::accesslog
