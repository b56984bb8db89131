#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "proxy/stats/counter.h"
#include "proxy/tracing/span.h"

namespace meshproxy::tracing {

struct SpanBufferOptions {
  // Spans held while the collector is slow or down; past it new spans are dropped. Bounds the
  // memory a worker spends on tracing whatever the collector does.
  size_t max_spans = 1024;
  // A flush is due once this many wait (Envoy's tracing.zipkin.min_flush_spans, default 5);
  // the exporter's timer flushes smaller batches (Envoy: every 5 s).
  size_t min_flush_spans = 5;
  // At most this many spans per export request.
  size_t max_batch = 512;
};

// Finished spans waiting for export, one buffer per worker (so no lock): the request path only
// appends (or drops and counts), the exporter takes batches off the front on the same worker.
class SpanBuffer {
 public:
  // `dropped` / `added` may be null (not counted).
  explicit SpanBuffer(SpanBufferOptions options = {}, stats::Counter* dropped = nullptr,
                      stats::Counter* added = nullptr);

  // Keeps a sampled span; false (and counted as dropped) when full. Unsampled spans are not
  // exported and not kept (false, not counted).
  bool add(Span span);
  // Enough spans for an export without waiting for the timer.
  bool flushDue() const { return spans_.size() >= options_.min_flush_spans; }
  // The oldest spans, at most max_batch; the buffer keeps the rest.
  std::vector<Span> takeBatch();

  size_t size() const { return spans_.size(); }
  bool empty() const { return spans_.empty(); }
  uint64_t droppedTotal() const { return dropped_total_; }

 private:
  const SpanBufferOptions options_;
  stats::Counter* const dropped_;
  stats::Counter* const added_;
  std::deque<Span> spans_;
  uint64_t dropped_total_ = 0;
};

}  // namespace meshproxy::tracing
