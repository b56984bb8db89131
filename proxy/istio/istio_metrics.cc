#include "proxy/istio/istio_metrics.h"

#include <charconv>
#include <vector>

#include "proxy/accesslog/response_flags.h"

namespace meshproxy::istio {
namespace {

constexpr std::string_view kUnknown = "unknown";

std::string_view orUnknown(std::string_view v) { return v.empty() ? kUnknown : v; }
// Both branches string_view: a ternary of "latest" and a std::string would be a temporary.
std::string_view orLatest(std::string_view v) { return v.empty() ? std::string_view("latest") : v; }

std::vector<std::string> names(size_t count) {
  return std::vector<std::string>(kIstioLabelNames.begin(), kIstioLabelNames.begin() + count);
}

using Kind = stats::LabeledMetricSpec::Kind;

}  // namespace

void istioLabelValues(const IstioRequestInfo& info,
                      std::array<std::string_view, kIstioLabelNames.size()>& out,
                      LabelScratch& scratch) {
  static const WorkloadMetadata kNone;
  const WorkloadMetadata& src = info.source != nullptr ? *info.source : kNone;
  const WorkloadMetadata& dst = info.destination != nullptr ? *info.destination : kNone;
  size_t i = 0;
  out[i++] = info.reporter == Reporter::kSource ? "source" : "destination";
  out[i++] = orUnknown(src.workload_name);
  out[i++] = orUnknown(src.namespace_name);
  out[i++] = orUnknown(info.source_principal);
  out[i++] = orUnknown(src.app);
  out[i++] = orUnknown(src.version);
  out[i++] = orUnknown(src.canonical_service);
  out[i++] = orLatest(src.canonical_revision);
  out[i++] = orUnknown(dst.workload_name);
  out[i++] = orUnknown(dst.namespace_name);
  out[i++] = orUnknown(info.destination_principal);
  out[i++] = orUnknown(dst.app);
  out[i++] = orUnknown(dst.version);
  out[i++] = info.service != nullptr ? orUnknown(info.service->host) : kUnknown;
  out[i++] = info.service != nullptr ? orUnknown(info.service->name) : kUnknown;
  // Istio falls back to the destination workload's namespace.
  out[i++] = info.service != nullptr && !info.service->namespace_name.empty()
                 ? std::string_view(info.service->namespace_name)
                 : orUnknown(dst.namespace_name);
  out[i++] = orUnknown(dst.canonical_service);
  out[i++] = orLatest(dst.canonical_revision);
  out[i++] = info.protocol;
  scratch.response_flags.clear();
  accesslog::appendResponseFlags(info.response_flags, scratch.response_flags);
  out[i++] = scratch.response_flags;
  if (info.reporter == Reporter::kSource) {
    out[i++] = kUnknown;
  } else {
    out[i++] = info.mutual_tls ? "mutual_tls" : "none";
  }
  // response_code: "0" when no response was sent, as Istio reports it.
  auto [end, ec] =
      std::to_chars(scratch.response_code, scratch.response_code + sizeof(scratch.response_code),
                    info.response_code);
  out[i++] =
      std::string_view(scratch.response_code, static_cast<size_t>(end - scratch.response_code));
  out[i++] = info.grpc_status;
}

IstioMetrics::IstioMetrics(stats::Store& store, IstioMetricsOptions options)
    : http_(store,
            {{"istio_requests_total", Kind::kCounter},
             {"istio_request_duration_milliseconds", Kind::kHistogram},
             {"istio_request_bytes", Kind::kHistogram},
             {"istio_response_bytes", Kind::kHistogram}},
            names(kIstioLabelNames.size()), options.max_series,
            &store.rootScope().scope("istio").counter("metrics_overflow")),
      tcp_(store,
           {{"istio_tcp_sent_bytes_total", Kind::kCounter},
            {"istio_tcp_received_bytes_total", Kind::kCounter},
            {"istio_tcp_connections_opened_total", Kind::kCounter},
            {"istio_tcp_connections_closed_total", Kind::kCounter}},
           names(kTcpLabelCount), options.max_series,
           &store.rootScope().scope("istio").counter("metrics_overflow")) {}

void IstioRecorder::recordRequest(const IstioRequestInfo& info, uint64_t duration_ms,
                                  uint64_t request_bytes, uint64_t response_bytes) {
  std::array<std::string_view, kIstioLabelNames.size()> values;
  istioLabelValues(info, values, scratch_);
  const stats::LabeledSeries& s = http_.find(values);
  s.counters[IstioMetrics::kRequests]->inc();
  s.histograms[IstioMetrics::kDuration]->record(duration_ms);
  s.histograms[IstioMetrics::kRequestBytes]->record(request_bytes);
  s.histograms[IstioMetrics::kResponseBytes]->record(response_bytes);
}

const stats::LabeledSeries& IstioRecorder::tcpSeries(const IstioRequestInfo& info) {
  std::array<std::string_view, kIstioLabelNames.size()> values;
  istioLabelValues(info, values, scratch_);
  return tcp_.find(std::span<const std::string_view>(values.data(), kTcpLabelCount));
}

void IstioRecorder::tcpOpened(const IstioRequestInfo& info) {
  tcpSeries(info).counters[IstioMetrics::kOpened]->inc();
}

void IstioRecorder::tcpBytes(const IstioRequestInfo& info, uint64_t sent, uint64_t received) {
  const stats::LabeledSeries& s = tcpSeries(info);
  if (sent != 0) s.counters[IstioMetrics::kSentBytes]->add(sent);
  if (received != 0) s.counters[IstioMetrics::kReceivedBytes]->add(received);
}

void IstioRecorder::tcpClosed(const IstioRequestInfo& info) {
  tcpSeries(info).counters[IstioMetrics::kClosed]->inc();
}

}  // namespace meshproxy::istio
