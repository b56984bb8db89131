#include "proxy/tracing/span_buffer.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace meshproxy::tracing {

SpanBuffer::SpanBuffer(SpanBufferOptions options, stats::Counter* dropped, stats::Counter* added)
    : options_(options), dropped_(dropped), added_(added) {}

bool SpanBuffer::add(Span span) {
  if (!span.sampled) return false;
  if (spans_.size() >= options_.max_spans) {
    ++dropped_total_;
    if (dropped_ != nullptr) dropped_->inc();
    return false;
  }
  spans_.push_back(std::move(span));
  if (added_ != nullptr) added_->inc();
  return true;
}

std::vector<Span> SpanBuffer::takeBatch() {
  const size_t n = std::min(spans_.size(), std::max<size_t>(options_.max_batch, 1));
  std::vector<Span> batch;
  batch.reserve(n);
  std::move(spans_.begin(), spans_.begin() + static_cast<std::ptrdiff_t>(n),
            std::back_inserter(batch));
  spans_.erase(spans_.begin(), spans_.begin() + static_cast<std::ptrdiff_t>(n));
  return batch;
}

}  // namespace meshproxy::tracing
