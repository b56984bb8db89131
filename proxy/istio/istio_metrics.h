#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/istio/workload_metadata.h"
#include "proxy/stats/labeled_metrics.h"
#include "proxy/stats/store.h"

namespace meshproxy::istio {

// Istio's standard metrics (https://istio.io/latest/docs/reference/config/metrics/), natively:
//   istio_requests_total (counter), istio_request_duration_milliseconds,
//   istio_request_bytes, istio_response_bytes (histograms, Envoy's default buckets as Istio's
//   own stats use), istio_tcp_sent_bytes_total, istio_tcp_received_bytes_total,
//   istio_tcp_connections_opened_total, istio_tcp_connections_closed_total (counters),
// with Istio's label set. TCP metrics carry the first kTcpLabelCount labels (no response_code
// and grpc_response_status, as in Istio).
inline constexpr std::array<std::string_view, 23> kIstioLabelNames = {
    "reporter",
    "source_workload",
    "source_workload_namespace",
    "source_principal",
    "source_app",
    "source_version",
    "source_canonical_service",
    "source_canonical_revision",
    "destination_workload",
    "destination_workload_namespace",
    "destination_principal",
    "destination_app",
    "destination_version",
    "destination_service",
    "destination_service_name",
    "destination_service_namespace",
    "destination_canonical_service",
    "destination_canonical_revision",
    "request_protocol",
    "response_flags",
    "connection_security_policy",
    "response_code",
    "grpc_response_status",
};
inline constexpr size_t kTcpLabelCount = 21;

// "source": the client's sidecar reports (outbound); "destination": the server's (inbound).
enum class Reporter { kSource, kDestination };

// What one request or connection looked like, as the data path knows it at completion. All
// views and pointers are borrowed for the duration of the record call; null / empty is
// "unknown" (Istio's spelling of a missing value).
struct IstioRequestInfo {
  Reporter reporter = Reporter::kDestination;
  const WorkloadMetadata* source = nullptr;
  const WorkloadMetadata* destination = nullptr;
  std::string_view source_principal;       // SPIFFE URI; empty: unknown
  std::string_view destination_principal;  // SPIFFE URI; empty: unknown
  const ServiceLabels* service = nullptr;
  std::string_view protocol = "http";  // "http", "grpc" or "tcp"
  uint32_t response_code = 0;          // 0: no response
  std::string_view grpc_status;        // grpc-status as received; empty when not gRPC
  uint32_t response_flags = 0;         // accesslog::ResponseFlag bits
  // The destination reporter saw a verified client certificate (mutual_tls) or not (none);
  // ignored for the source reporter, which reports "unknown" as Istio does.
  bool mutual_tls = false;
};

// Fills `out` with the label values for `info`, in kIstioLabelNames order. `scratch` holds
// the formatted ones (response code, response flags); it must outlive the use of `out`.
struct LabelScratch {
  char response_code[12];
  std::string response_flags;
};
void istioLabelValues(const IstioRequestInfo& info,
                      std::array<std::string_view, kIstioLabelNames.size()>& out,
                      LabelScratch& scratch);

struct IstioMetricsOptions {
  // Distinct label sets per family (HTTP, TCP) before new ones go to the overflow series.
  size_t max_series = 10000;
};

// The process-wide families, created once (config time) on the Store.
class IstioMetrics {
 public:
  explicit IstioMetrics(stats::Store& store, IstioMetricsOptions options = {});

  stats::LabeledMetrics& http() { return http_; }
  stats::LabeledMetrics& tcp() { return tcp_; }

  // Indices into LabeledSeries for each family's metrics.
  enum HttpMetric { kRequests = 0, kDuration = 1, kRequestBytes = 2, kResponseBytes = 3 };
  enum TcpMetric { kSentBytes = 0, kReceivedBytes = 1, kOpened = 2, kClosed = 3 };

 private:
  stats::LabeledMetrics http_;
  stats::LabeledMetrics tcp_;
};

// One worker's recorder: label values built on the stack, the series found through the
// worker's memo (no lock once seen), the values added to the worker's own cells.
class IstioRecorder {
 public:
  explicit IstioRecorder(IstioMetrics& metrics) : http_(metrics.http()), tcp_(metrics.tcp()) {}

  // At the end of an HTTP request (where the access log is written).
  void recordRequest(const IstioRequestInfo& info, uint64_t duration_ms, uint64_t request_bytes,
                     uint64_t response_bytes);
  // A TCP connection: opened once, bytes as they are reported (at close, or periodically),
  // closed once.
  void tcpOpened(const IstioRequestInfo& info);
  void tcpBytes(const IstioRequestInfo& info, uint64_t sent, uint64_t received);
  void tcpClosed(const IstioRequestInfo& info);

 private:
  const stats::LabeledSeries& tcpSeries(const IstioRequestInfo& info);

  stats::LabeledSeriesCache http_;
  stats::LabeledSeriesCache tcp_;
  LabelScratch scratch_;
};

}  // namespace meshproxy::istio
