#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "proxy/accesslog/dynamic_metadata.h"
#include "proxy/accesslog/header_lookup.h"
#include "proxy/accesslog/response_flags.h"

namespace meshproxy::tracing {
class StreamTrace;
}

namespace meshproxy::accesslog {

// The upstream host a stream went to, as logs read it (upstream::Host implements it; this
// layer sits below upstream/). More of the host (locality, metadata) can be added here when a
// log operator needs it.
class UpstreamHostDescription {
 public:
  // "ip:port" ("[v6]:port").
  virtual std::string_view addressString() const = 0;
  // The name the endpoint was configured with (DNS name or IP).
  virtual std::string_view hostnameString() const = 0;

 protected:
  ~UpstreamHostDescription() = default;
};

// What the data path knows about one stream (an HTTP request, or a whole TCP connection) when it
// is logged. A plain struct so filling it costs a few stores: no virtual calls, no allocation.
//
// Lifetime rule: every string_view and HeaderLookup pointer only has to stay valid until
// AccessLogger::log() returns, because the line is formatted synchronously on the calling thread.
// Point them at strings the connection or the config snapshot already owns (e.g.
// network::Address::str(), the cluster name); an empty view means "not known" and prints "-".
struct StreamInfo {
  using SystemTime = std::chrono::system_clock::time_point;
  using MonotonicTime = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::nanoseconds;

  // Wall clock for %START_TIME%; the steady clock for durations, which must not jump with NTP.
  SystemTime start_time{};
  MonotonicTime start_time_monotonic{};

  // Offsets from start_time_monotonic; unset until the event happened.
  std::optional<Duration> request_complete;                  // %DURATION%
  std::optional<Duration> last_downstream_rx_byte_received;  // %REQUEST_DURATION%
  std::optional<Duration> first_upstream_rx_byte_received;   // %RESPONSE_DURATION%
  std::optional<Duration> last_downstream_tx_byte_sent;  // with the above: %RESPONSE_TX_DURATION%
  // Time the (last) upstream request took, as the router measured it.
  std::optional<Duration> upstream_request_duration;

  // Downstream side, "ip:port" ("[v6]:port").
  std::string_view downstream_remote_address;  // after x-forwarded-for / PROXY protocol, if any
  std::string_view downstream_local_address;   // the original destination for captured traffic
  std::string_view downstream_direct_remote_address;  // the socket peer, always
  std::string_view requested_server_name;             // TLS SNI
  std::string_view downstream_peer_uri_san;           // client certificate URI SAN(s)

  // Upstream side.
  // The chosen endpoint; null until one was chosen. A plain pointer: the stream's pins keep
  // the host alive until after the log line (see upstream/worker_cluster.h).
  const UpstreamHostDescription* upstream_host = nullptr;
  std::string_view upstream_cluster;        // cluster name
  std::string_view upstream_local_address;  // our end of the upstream connection
  std::string_view upstream_transport_failure_reason;
  std::string_view upstream_peer_uri_san;
  uint32_t upstream_request_attempt_count = 0;

  // Outcome.
  uint64_t bytes_received = 0;  // HTTP: request body bytes; TCP: bytes read from downstream
  uint64_t bytes_sent = 0;      // HTTP: response body bytes; TCP: bytes written downstream
  uint32_t response_code = 0;   // 0: no response was sent (TCP, or the client went away)
  std::string_view response_code_details;
  std::string_view connection_termination_details;
  uint32_t response_flags = 0;  // ResponseFlag bits
  std::string_view route_name;
  std::string_view protocol;  // "HTTP/1.0", "HTTP/1.1", "HTTP/2"; empty for TCP

  // Header blocks; nullptr when there are none (TCP) or none were received yet.
  const HeaderLookup* request_headers = nullptr;
  const HeaderLookup* response_headers = nullptr;
  const HeaderLookup* response_trailers = nullptr;

  // The request's trace (the connection manager configures `tracing` and made a span): its id
  // for %TRACE_ID% (0/0: none), and the stream's tracing state, through which the router
  // starts the upstream span. The stream owns it; null when not traced.
  uint64_t trace_id_high = 0;
  uint64_t trace_id_low = 0;
  tracing::StreamTrace* trace = nullptr;

  // Set by filters for each other and for %DYNAMIC_METADATA()%; allocates only when used.
  DynamicMetadata dynamic_metadata;

  // Starts the clocks; the data path calls this when the stream begins.
  static StreamInfo startingNow() {
    StreamInfo info;
    info.start_time = std::chrono::system_clock::now();
    info.start_time_monotonic = std::chrono::steady_clock::now();
    return info;
  }

  // Offset of `now` from the start, for the optional timing fields above.
  Duration sinceStart(MonotonicTime now) const { return now - start_time_monotonic; }
  void markComplete(MonotonicTime now) { request_complete = sinceStart(now); }

  std::string_view upstreamHostAddress() const {
    return upstream_host == nullptr ? std::string_view() : upstream_host->addressString();
  }

  void setResponseFlag(ResponseFlag flag) { response_flags |= static_cast<uint32_t>(flag); }
  bool hasResponseFlag(ResponseFlag flag) const {
    return (response_flags & static_cast<uint32_t>(flag)) != 0;
  }
};

}  // namespace meshproxy::accesslog
