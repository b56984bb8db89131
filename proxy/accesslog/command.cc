#include "proxy/accesslog/command.h"

#include <fmt/format.h>
#include <google/protobuf/struct.pb.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <climits>
#include <cstdio>
#include <iterator>

#include "absl/strings/str_split.h"

namespace meshproxy::accesslog {
namespace {

enum class Args { kNone, kOptional, kRequired };

struct OperatorSpec {
  std::string_view name;
  CommandOperator op;
  Args args;
};

constexpr std::array kOperators = {
    OperatorSpec{"START_TIME", CommandOperator::kStartTime, Args::kOptional},
    OperatorSpec{"DURATION", CommandOperator::kDuration, Args::kNone},
    OperatorSpec{"REQUEST_DURATION", CommandOperator::kRequestDuration, Args::kNone},
    OperatorSpec{"RESPONSE_DURATION", CommandOperator::kResponseDuration, Args::kNone},
    OperatorSpec{"RESPONSE_TX_DURATION", CommandOperator::kResponseTxDuration, Args::kNone},
    OperatorSpec{"REQ", CommandOperator::kRequestHeader, Args::kRequired},
    OperatorSpec{"RESP", CommandOperator::kResponseHeader, Args::kRequired},
    OperatorSpec{"TRAILER", CommandOperator::kResponseTrailer, Args::kRequired},
    OperatorSpec{"RESPONSE_CODE", CommandOperator::kResponseCode, Args::kNone},
    OperatorSpec{"RESPONSE_CODE_DETAILS", CommandOperator::kResponseCodeDetails, Args::kNone},
    OperatorSpec{"CONNECTION_TERMINATION_DETAILS", CommandOperator::kConnectionTerminationDetails,
                 Args::kNone},
    OperatorSpec{"RESPONSE_FLAGS", CommandOperator::kResponseFlags, Args::kNone},
    OperatorSpec{"BYTES_RECEIVED", CommandOperator::kBytesReceived, Args::kNone},
    OperatorSpec{"BYTES_SENT", CommandOperator::kBytesSent, Args::kNone},
    OperatorSpec{"PROTOCOL", CommandOperator::kProtocol, Args::kNone},
    OperatorSpec{"UPSTREAM_HOST", CommandOperator::kUpstreamHost, Args::kNone},
    OperatorSpec{"UPSTREAM_CLUSTER", CommandOperator::kUpstreamCluster, Args::kNone},
    OperatorSpec{"UPSTREAM_CLUSTER_RAW", CommandOperator::kUpstreamCluster, Args::kNone},
    OperatorSpec{"UPSTREAM_LOCAL_ADDRESS", CommandOperator::kUpstreamLocalAddress, Args::kNone},
    OperatorSpec{"UPSTREAM_TRANSPORT_FAILURE_REASON",
                 CommandOperator::kUpstreamTransportFailureReason, Args::kNone},
    OperatorSpec{"DOWNSTREAM_REMOTE_ADDRESS", CommandOperator::kDownstreamRemoteAddress,
                 Args::kNone},
    OperatorSpec{"DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT",
                 CommandOperator::kDownstreamRemoteAddressWithoutPort, Args::kNone},
    OperatorSpec{"DOWNSTREAM_LOCAL_ADDRESS", CommandOperator::kDownstreamLocalAddress, Args::kNone},
    OperatorSpec{"DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT",
                 CommandOperator::kDownstreamLocalAddressWithoutPort, Args::kNone},
    OperatorSpec{"DOWNSTREAM_DIRECT_REMOTE_ADDRESS",
                 CommandOperator::kDownstreamDirectRemoteAddress, Args::kNone},
    OperatorSpec{"DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT",
                 CommandOperator::kDownstreamDirectRemoteAddressWithoutPort, Args::kNone},
    OperatorSpec{"REQUESTED_SERVER_NAME", CommandOperator::kRequestedServerName, Args::kNone},
    OperatorSpec{"ROUTE_NAME", CommandOperator::kRouteName, Args::kNone},
    OperatorSpec{"TRACE_ID", CommandOperator::kTraceId, Args::kNone},
    OperatorSpec{"DOWNSTREAM_PEER_URI_SAN", CommandOperator::kDownstreamPeerUriSan, Args::kNone},
    OperatorSpec{"UPSTREAM_PEER_URI_SAN", CommandOperator::kUpstreamPeerUriSan, Args::kNone},
    OperatorSpec{"HOSTNAME", CommandOperator::kHostname, Args::kNone},
    OperatorSpec{"UPSTREAM_REQUEST_ATTEMPT_COUNT", CommandOperator::kUpstreamRequestAttemptCount,
                 Args::kNone},
    OperatorSpec{"DYNAMIC_METADATA", CommandOperator::kDynamicMetadata, Args::kRequired},
    OperatorSpec{"GRPC_STATUS", CommandOperator::kGrpcStatus, Args::kOptional},
};

const OperatorSpec* findOperator(std::string_view name) {
  for (const OperatorSpec& spec : kOperators) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool isHeaderOperator(CommandOperator op) {
  return op == CommandOperator::kRequestHeader || op == CommandOperator::kResponseHeader ||
         op == CommandOperator::kResponseTrailer;
}

// "1.2.3.4:80" -> "1.2.3.4", "[::1]:80" -> "::1"; anything else (a pipe path) unchanged.
std::string_view withoutPort(std::string_view address) {
  if (!address.empty() && address.front() == '[') {
    const size_t close = address.find(']');
    return close == std::string_view::npos ? address : address.substr(1, close - 1);
  }
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos || address.find(':') != colon) return address;
  return address.substr(0, colon);
}

std::string toLower(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

void appendNumber(uint64_t value, std::string& out) {
  fmt::format_to(std::back_inserter(out), "{}", value);
}

bool appendView(std::string_view value, std::string& out) {
  if (value.empty()) return false;
  out.append(value);
  return true;
}

bool appendMillis(const std::optional<StreamInfo::Duration>& duration, std::string& out) {
  if (!duration) return false;
  fmt::format_to(std::back_inserter(out), "{}",
                 std::chrono::duration_cast<std::chrono::milliseconds>(*duration).count());
  return true;
}

bool appendHeader(const HeaderLookup* headers, const std::string& name, const std::string& alt,
                  std::string& out) {
  if (headers == nullptr) return false;
  std::optional<std::string_view> value = headers->get(name);
  if (!value && !alt.empty()) value = headers->get(alt);
  return value && appendView(*value, out);
}

// Envoy prints a missing value as "-", a string as is, anything else as JSON; a namespace
// alone prints its whole struct.
bool appendDynamicMetadata(const DynamicMetadata& metadata, const std::vector<std::string>& path,
                           std::string& out, bool* raw_json) {
  bool is_string = false;
  if (path.size() == 1) {
    const google::protobuf::Struct* fields = metadata.get(path[0]);
    if (fields == nullptr) return false;
    google::protobuf::Value whole;
    *whole.mutable_struct_value() = *fields;
    is_string = appendMetadataValue(whole, out);
  } else {
    const google::protobuf::Value* value = metadata.find(path);
    if (value == nullptr) return false;
    is_string = appendMetadataValue(*value, out);
  }
  if (raw_json != nullptr) *raw_json = !is_string;
  return true;
}

std::string readHostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return {};
  return name;
}

}  // namespace

absl::StatusOr<Command> Command::parse(std::string_view name, std::optional<std::string_view> args,
                                       std::optional<size_t> max_length) {
  const OperatorSpec* spec = findOperator(name);
  if (spec == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("unsupported access log command operator: %{}%", name));
  }
  if (spec->args == Args::kNone && args) {
    return absl::InvalidArgumentError(
        fmt::format("access log command operator %{}% takes no argument", name));
  }
  if (spec->args == Args::kRequired && (!args || args->empty())) {
    return absl::InvalidArgumentError(
        fmt::format("access log command operator %{}% needs an argument", name));
  }

  Command command;
  command.op_ = spec->op;
  command.max_length_ = max_length;

  if (isHeaderOperator(spec->op)) {
    const std::string_view headers = *args;
    const size_t question = headers.find('?');
    std::string_view main = headers.substr(0, question);
    std::string_view alt;
    if (question != std::string_view::npos) {
      alt = headers.substr(question + 1);
      if (alt.find('?') != std::string_view::npos) {
        return absl::InvalidArgumentError(
            fmt::format("more than one alternative header in %{}({})%", name, headers));
      }
      if (alt.empty()) {
        return absl::InvalidArgumentError(
            fmt::format("empty alternative header in %{}({})%", name, headers));
      }
    }
    if (main.empty()) {
      return absl::InvalidArgumentError(
          fmt::format("empty header name in %{}({})%", name, headers));
    }
    // Header maps store lowercase names; doing it here keeps lowercasing off the data path.
    command.header_ = toLower(main);
    command.alt_header_ = toLower(alt);
  } else if (spec->op == CommandOperator::kStartTime) {
    absl::StatusOr<StartTimeFormat> format = StartTimeFormat::create(args.value_or(""));
    if (!format.ok()) return format.status();
    command.time_format_ = *std::move(format);
  } else if (spec->op == CommandOperator::kHostname) {
    command.hostname_ = readHostname();
  } else if (spec->op == CommandOperator::kGrpcStatus) {
    absl::StatusOr<GrpcStatusFormat> format = parseGrpcStatusFormat(args);
    if (!format.ok()) return format.status();
    command.grpc_status_format_ = *format;
  } else if (spec->op == CommandOperator::kDynamicMetadata) {
    // NAMESPACE:KEY:KEY...; split here so the data path only walks the structs.
    for (absl::string_view part :
         absl::StrSplit(absl::string_view(args->data(), args->size()), ':')) {
      if (part.empty()) {
        return absl::InvalidArgumentError(
            fmt::format("empty namespace or key in %DYNAMIC_METADATA({})%", *args));
      }
      command.metadata_path_.emplace_back(part);
    }
  }
  return command;
}

bool Command::numeric() const {
  switch (op_) {
    case CommandOperator::kDuration:
    case CommandOperator::kRequestDuration:
    case CommandOperator::kResponseDuration:
    case CommandOperator::kResponseTxDuration:
    case CommandOperator::kResponseCode:
    case CommandOperator::kBytesReceived:
    case CommandOperator::kBytesSent:
    case CommandOperator::kUpstreamRequestAttemptCount:
      return true;
    case CommandOperator::kGrpcStatus:
      return grpc_status_format_ == GrpcStatusFormat::kNumber;
    default:
      return false;
  }
}

bool Command::append(const StreamInfo& info, std::string& out, bool* raw_json) const {
  const size_t start = out.size();
  if (raw_json != nullptr) *raw_json = false;
  if (!appendUntruncated(info, out, raw_json)) {
    out.resize(start);
    return false;
  }
  if (max_length_ && out.size() - start > *max_length_) out.resize(start + *max_length_);
  return true;
}

bool Command::appendUntruncated(const StreamInfo& info, std::string& out, bool* raw_json) const {
  switch (op_) {
    case CommandOperator::kStartTime:
      time_format_->append(info.start_time, out);
      return true;
    case CommandOperator::kDuration:
      return appendMillis(info.request_complete, out);
    case CommandOperator::kRequestDuration:
      return appendMillis(info.last_downstream_rx_byte_received, out);
    case CommandOperator::kResponseDuration:
      return appendMillis(info.first_upstream_rx_byte_received, out);
    case CommandOperator::kResponseTxDuration:
      if (!info.last_downstream_tx_byte_sent || !info.first_upstream_rx_byte_received) {
        return false;
      }
      return appendMillis(
          *info.last_downstream_tx_byte_sent - *info.first_upstream_rx_byte_received, out);
    case CommandOperator::kRequestHeader:
      return appendHeader(info.request_headers, header_, alt_header_, out);
    case CommandOperator::kResponseHeader:
      return appendHeader(info.response_headers, header_, alt_header_, out);
    case CommandOperator::kResponseTrailer:
      return appendHeader(info.response_trailers, header_, alt_header_, out);
    case CommandOperator::kResponseCode:
      // Envoy prints 0 when no response was sent; tools read that as "client went away".
      appendNumber(info.response_code, out);
      return true;
    case CommandOperator::kResponseCodeDetails:
      return appendView(info.response_code_details, out);
    case CommandOperator::kConnectionTerminationDetails:
      return appendView(info.connection_termination_details, out);
    case CommandOperator::kResponseFlags:
      appendResponseFlags(info.response_flags, out);
      return true;
    case CommandOperator::kBytesReceived:
      appendNumber(info.bytes_received, out);
      return true;
    case CommandOperator::kBytesSent:
      appendNumber(info.bytes_sent, out);
      return true;
    case CommandOperator::kProtocol:
      return appendView(info.protocol, out);
    case CommandOperator::kUpstreamHost:
      return appendView(info.upstreamHostAddress(), out);
    case CommandOperator::kUpstreamCluster:
      return appendView(info.upstream_cluster, out);
    case CommandOperator::kUpstreamLocalAddress:
      return appendView(info.upstream_local_address, out);
    case CommandOperator::kUpstreamTransportFailureReason:
      return appendView(info.upstream_transport_failure_reason, out);
    case CommandOperator::kDownstreamRemoteAddress:
      return appendView(info.downstream_remote_address, out);
    case CommandOperator::kDownstreamRemoteAddressWithoutPort:
      return appendView(withoutPort(info.downstream_remote_address), out);
    case CommandOperator::kDownstreamLocalAddress:
      return appendView(info.downstream_local_address, out);
    case CommandOperator::kDownstreamLocalAddressWithoutPort:
      return appendView(withoutPort(info.downstream_local_address), out);
    case CommandOperator::kDownstreamDirectRemoteAddress:
      return appendView(info.downstream_direct_remote_address, out);
    case CommandOperator::kDownstreamDirectRemoteAddressWithoutPort:
      return appendView(withoutPort(info.downstream_direct_remote_address), out);
    case CommandOperator::kRequestedServerName:
      return appendView(info.requested_server_name, out);
    case CommandOperator::kRouteName:
      return appendView(info.route_name, out);
    case CommandOperator::kTraceId: {
      if (info.trace_id_high == 0 && info.trace_id_low == 0) return false;
      // 32 hex digits, or 16 for a 64-bit (B3) trace id, as the tracer writes it.
      char buf[33];
      int n = info.trace_id_high != 0
                  ? std::snprintf(buf, sizeof(buf), "%016llx%016llx",
                                  static_cast<unsigned long long>(info.trace_id_high),
                                  static_cast<unsigned long long>(info.trace_id_low))
                  : std::snprintf(buf, sizeof(buf), "%016llx",
                                  static_cast<unsigned long long>(info.trace_id_low));
      out.append(buf, static_cast<size_t>(n));
      return true;
    }
    case CommandOperator::kDownstreamPeerUriSan:
      return appendView(info.downstream_peer_uri_san, out);
    case CommandOperator::kUpstreamPeerUriSan:
      return appendView(info.upstream_peer_uri_san, out);
    case CommandOperator::kHostname:
      return appendView(hostname_, out);
    case CommandOperator::kUpstreamRequestAttemptCount:
      // Envoy prints 0 when no upstream request was attempted.
      appendNumber(info.upstream_request_attempt_count, out);
      return true;
    case CommandOperator::kDynamicMetadata:
      return appendDynamicMetadata(info.dynamic_metadata, metadata_path_, out, raw_json);
    case CommandOperator::kGrpcStatus: {
      const std::optional<int64_t> status = grpcStatusOf(info);
      if (!status) return false;
      appendGrpcStatus(*status, grpc_status_format_, out);
      return true;
    }
  }
  return false;
}

}  // namespace meshproxy::accesslog
