#include "proxy/http/filter_manager.h"

#include <algorithm>

#include "proxy/core/recycled.h"
#include "proxy/http/filter_entry.h"
#include "proxy/http/local_reply.h"

namespace meshproxy::http {

FilterManager::Chain::Chain(bool is_decode) : decode(is_decode) {}
FilterManager::Chain::~Chain() = default;

FilterManager::FilterManager(FilterManagerCallbacks& callbacks, accesslog::StreamInfo& info,
                             uint64_t stream_id, uint32_t buffer_limit)
    : callbacks_(callbacks), info_(info), stream_id_(stream_id), buffer_limit_(buffer_limit) {}

FilterManager::~FilterManager() = default;

void FilterManager::addDecoderFilter(std::shared_ptr<StreamDecoderFilter> filter) {
  auto entry = std::make_unique<DecoderFilter>(*this, std::move(filter));
  entry->index = decode_.filters.size();
  entry->config_name = filter_config_name_;
  entry->filter->setDecoderFilterCallbacks(*entry);
  decode_.filters.push_back(std::move(entry));
}

// Encoder filters run in the reverse order of the chain, as in Envoy: the response meets the
// filter nearest the upstream first.
void FilterManager::addEncoderFilter(std::shared_ptr<StreamEncoderFilter> filter) {
  auto entry = std::make_unique<EncoderFilter>(*this, std::move(filter));
  entry->config_name = filter_config_name_;
  entry->filter->setEncoderFilterCallbacks(*entry);
  encode_.filters.insert(encode_.filters.begin(), std::move(entry));
  for (size_t i = 0; i < encode_.filters.size(); ++i) encode_.filters[i]->index = i;
}

void FilterManager::addStreamFilter(std::shared_ptr<StreamDecoderFilter> decoder,
                                    std::shared_ptr<StreamEncoderFilter> encoder) {
  addDecoderFilter(std::move(decoder));
  addEncoderFilter(std::move(encoder));
  static_cast<EncoderFilter&>(*encode_.filters.front()).dual = true;
}

struct FilterManager::CallScope {
  CallScope(FilterManager& m, Chain& c, Chain::Call call)
      : manager(m), chain(c), previous(c.calling) {
    ++manager.state_.call_depth;
    chain.calling = call;
  }
  ~CallScope() {
    chain.calling = previous;
    if (--manager.state_.call_depth == 0 && manager.state_.destroy_pending) {
      manager.destroyFilters();
    }
  }
  FilterManager& manager;
  Chain& chain;
  const Chain::Call previous;
};

// ---- the iteration, for both directions --------------------------------------------------

void FilterManager::iterateHeaders(Chain& chain, size_t start, bool end_stream) {
  // A filter that adds a body to a headers-only message (addDecodedData) makes the rest of
  // the chain see headers without end_stream, then that body, continued from that filter.
  int body_added_at = -1;
  auto continueAddedBody = [&] {
    if (body_added_at < 0) return;
    chain.filters[static_cast<size_t>(body_added_at)]->stopped = true;
    continueFrom(chain, static_cast<size_t>(body_added_at));
  };
  const size_t n = chain.filters.size();
  for (size_t i = start; i < n; ++i) {
    FilterEntry& entry = *chain.filters[i];
    entry.end_stream = end_stream && body_added_at < 0;
    FilterHeadersStatus status;
    {
      CallScope scope(*this, chain, Chain::Call::kHeaders);
      status = entry.callHeaders(*chain.headers, entry.end_stream);
    }
    if (interrupted(chain)) return;
    if (status != FilterHeadersStatus::kContinue) {
      entry.stopped = true;
      continueAddedBody();
      return;
    }
    entry.headers_continued = true;
    if (end_stream && body_added_at < 0 && chain.buffered.has_value()) {
      body_added_at = static_cast<int>(i);
    }
  }
  if (!chain.decode) {
    const bool write_end = end_stream && body_added_at < 0;
    writeHeaders(write_end);
    if (write_end || interrupted(chain)) return;
  }
  continueAddedBody();
}

void FilterManager::iterateData(Chain& chain, size_t start, Buffer& data, bool end_stream) {
  const size_t n = chain.filters.size();
  const bool had_trailers = chain.trailers != nullptr;
  int trailers_added_at = -1;
  bool passed_all = true;
  for (size_t i = start; i < n; ++i) {
    FilterEntry& entry = *chain.filters[i];
    // Only a filter that has not seen the end yet takes data (continue may re-enter).
    if (entry.end_stream) return;
    entry.end_stream = end_stream && chain.trailers == nullptr;
    FilterDataStatus status;
    {
      CallScope scope(*this, chain, Chain::Call::kData);
      status = entry.callData(data, entry.end_stream);
    }
    if (interrupted(chain)) return;
    if (!had_trailers && chain.trailers != nullptr && trailers_added_at < 0) {
      // This filter added trailers: the following ones see no end of stream on the data.
      end_stream = false;
      trailers_added_at = static_cast<int>(i);
    }
    if (!afterData(chain, entry, status, data)) {
      passed_all = false;
      break;
    }
  }
  if (passed_all) {
    if (chain.decode) {
      data.clear();  // past the last decoder filter: nothing takes it
    } else {
      writeData(data, end_stream);
      if (interrupted(chain)) return;
    }
  }
  // Added trailers follow the data; on the response side only once the data went out.
  if (trailers_added_at >= 0 && (chain.decode || passed_all) && !interrupted(chain)) {
    iterateTrailers(chain, static_cast<size_t>(trailers_added_at) + 1);
  }
}

bool FilterManager::afterData(Chain& chain, FilterEntry& entry, FilterDataStatus status,
                              Buffer& data) {
  if (status == FilterDataStatus::kContinue) {
    if (!entry.stopped) return true;
    // A stopped filter that lets data through continues everything it held back: the headers,
    // then what it buffered followed by this data.
    bufferData(chain, data);
    continueFrom(chain, entry.index);
    return false;
  }
  entry.stopped = true;
  if (status == FilterDataStatus::kStopIterationAndBuffer ||
      status == FilterDataStatus::kStopIterationAndWatermark) {
    chain.streaming = status == FilterDataStatus::kStopIterationAndWatermark;
    bufferData(chain, data);
  } else if (chain.complete && chain.trailers == nullptr && !chain.buffered.has_value()) {
    // The filter took the last data: continue must still carry the end of stream.
    chain.buffered.emplace();
  }
  return false;
}

void FilterManager::bufferData(Chain& chain, Buffer& data) {
  if (!chain.buffered.has_value()) chain.buffered.emplace();
  if (&*chain.buffered != &data) chain.buffered->move(data);
  if (chain.buffered->length() <= buffer_limit_ || chain.above_limit) return;
  if (chain.streaming) {
    // Backpressure: the request stops being read / the upstream response pauses until the
    // held data drains.
    chain.above_limit = true;
    if (chain.decode) {
      onDecoderFilterAboveWriteBufferHighWatermark();
    } else {
      onDownstreamAboveWriteBufferHighWatermark();
    }
    return;
  }
  if (chain.decode) {
    callbacks_.onRequestDataTooLarge();
    sendLocalReply(413, "Payload Too Large", "request_payload_too_large");
  } else {
    // Envoy: 500 while the response headers are still here, a reset once they went out.
    sendLocalReply(500, "Internal Server Error", "response_payload_too_large");
  }
}

void FilterManager::onBufferedDataDrained(Chain& chain) {
  if (!chain.above_limit) return;
  chain.above_limit = false;
  if (chain.decode) {
    onDecoderFilterBelowWriteBufferLowWatermark();
  } else {
    onDownstreamBelowWriteBufferLowWatermark();
  }
}

void FilterManager::addData(Chain& chain, FilterEntry& entry, Buffer& data, bool streaming) {
  if (!canContinue(chain)) {
    data.clear();
    return;
  }
  if (chain.calling == Chain::Call::kTrailers && !entry.stopped) {
    // From a trailers callback that will continue: the data goes on now, before the trailers.
    iterateData(chain, entry.index + 1, data, false);
    return;
  }
  // From headers or data callbacks, or outside any: held, sent on with the next continue
  // (or right after a headers-only message's headers).
  chain.streaming = streaming;
  bufferData(chain, data);
}

HeaderMap& FilterManager::addTrailers(Chain& chain) {
  if (chain.trailers == nullptr) {
    chain.trailers = std::make_unique<HeaderMap>();
    if (!chain.decode) info_.response_trailers = chain.trailers.get();
  }
  return *chain.trailers;
}

void FilterManager::iterateTrailers(Chain& chain, size_t start) {
  const size_t n = chain.filters.size();
  for (size_t i = start; i < n; ++i) {
    FilterEntry& entry = *chain.filters[i];
    if (entry.trailers_seen) return;
    entry.trailers_seen = true;
    FilterTrailersStatus status;
    {
      CallScope scope(*this, chain, Chain::Call::kTrailers);
      status = entry.callTrailers(*chain.trailers);
    }
    entry.end_stream = true;
    if (interrupted(chain)) return;
    if (status != FilterTrailersStatus::kContinue) {
      entry.stopped = true;
      return;
    }
    if (entry.stopped) {
      // The filter had stopped earlier (headers or data); continuing the trailers continues
      // everything it held.
      continueFrom(chain, i);
      return;
    }
  }
  if (!chain.decode) writeTrailers();
}

bool FilterManager::canContinue(const Chain& chain) const {
  if (state_.finished || chain.aborted) return false;
  // Once the response is complete, the request has nowhere to go (Envoy's rule).
  return chain.decode ? !encode_.complete : !state_.response_complete;
}

void FilterManager::continueFrom(Chain& chain, size_t index) {
  if (!canContinue(chain)) return;
  FilterEntry& entry = *chain.filters[index];
  if (!entry.stopped) return;  // nothing held here
  entry.stopped = false;
  const size_t next = index + 1;
  if (!entry.headers_continued) {
    entry.headers_continued = true;
    iterateHeaders(chain, next,
                   chain.complete && !chain.buffered.has_value() && chain.trailers == nullptr);
    if (interrupted(chain)) return;
  }
  // Trailers that arrived while the data was held go after it.
  const bool had_trailers = chain.trailers != nullptr;
  if (chain.buffered.has_value()) {
    Buffer data = std::move(*chain.buffered);
    chain.buffered.reset();
    onBufferedDataDrained(chain);
    iterateData(chain, next, data, chain.complete && !had_trailers);
    if (interrupted(chain)) return;
  }
  if (had_trailers) iterateTrailers(chain, next);
}

// ---- the request, from the codec --------------------------------------------------------

void FilterManager::setRequestHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) {
  decode_.headers = std::move(headers);
  info_.request_headers = decode_.headers.get();
  decode_.complete = end_stream;
}

void FilterManager::decodeHeaders() { iterateHeaders(decode_, 0, decode_.complete); }

void FilterManager::decodeData(Buffer& data, bool end_stream) {
  if (end_stream) decode_.complete = true;
  if (!canContinue(decode_)) {
    data.clear();
    return;
  }
  iterateData(decode_, 0, data, end_stream);
}

void FilterManager::decodeTrailers(std::unique_ptr<HeaderMap> trailers) {
  decode_.trailers = std::move(trailers);
  decode_.complete = true;
  if (!canContinue(decode_)) return;
  iterateTrailers(decode_, 0);
}

void FilterManager::onDecoderFilterAboveWriteBufferHighWatermark() {
  if (upstream_above_watermark_++ == 0) callbacks_.onDecoderFilterAboveWriteBufferHighWatermark();
}

void FilterManager::onDecoderFilterBelowWriteBufferLowWatermark() {
  if (upstream_above_watermark_ > 0 && --upstream_above_watermark_ == 0) {
    callbacks_.onDecoderFilterBelowWriteBufferLowWatermark();
  }
}

// ---- the response, from the decoder filters ---------------------------------------------

void FilterManager::encode1xx(std::unique_ptr<HeaderMap> headers) {
  if (state_.response_headers_sent) return;
  callbacks_.encode1xxHeaders(*headers);
}

void FilterManager::encodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) {
  if (state_.finished || encode_.headers != nullptr) return;
  encode_.headers = std::move(headers);
  info_.response_headers = encode_.headers.get();
  encode_.complete = end_stream;
  callbacks_.resetIdleTimer();
  iterateHeaders(encode_, 0, end_stream);
}

void FilterManager::encodeData(Buffer& data, bool end_stream) {
  if (!canContinue(encode_) || encode_.headers == nullptr) {
    data.clear();
    return;
  }
  callbacks_.resetIdleTimer();
  if (end_stream) encode_.complete = true;
  iterateData(encode_, 0, data, end_stream);
}

void FilterManager::encodeTrailers(std::unique_ptr<HeaderMap> trailers) {
  if (!canContinue(encode_) || encode_.headers == nullptr) return;
  encode_.trailers = std::move(trailers);
  info_.response_trailers = encode_.trailers.get();
  encode_.complete = true;
  iterateTrailers(encode_, 0);
}

void FilterManager::writeHeaders(bool end_stream) {
  state_.response_headers_sent = true;
  if (end_stream) state_.response_complete = true;
  callbacks_.encodeHeaders(*encode_.headers, end_stream);
}

void FilterManager::writeData(Buffer& data, bool end_stream) {
  if (end_stream) state_.response_complete = true;
  callbacks_.encodeData(data, end_stream);
}

void FilterManager::writeTrailers() {
  state_.response_complete = true;
  callbacks_.encodeTrailers(*encode_.trailers);
}

// ---- local replies, watermarks, teardown -------------------------------------------------

void FilterManager::sendLocalReply(uint32_t status, std::string_view body,
                                   std::string_view details, const LocalReplyOptions* options) {
  if (state_.finished) return;
  response_code_details_ = std::string(details);
  info_.response_code_details = response_code_details_;
  if (state_.response_headers_sent) {
    // Too late for a clean answer: the only signal left is a reset.
    callbacks_.resetStream();
    return;
  }
  // The request goes no further, whoever asked.
  decode_.aborted = true;
  LocalReply reply =
      makeLocalReply(decode_.headers.get(), status, body, details,
                     options != nullptr ? options->grpc_status : std::optional<uint32_t>());
  if (options != nullptr && options->modify_headers) options->modify_headers(*reply.headers);
  const bool end_stream = reply.body.empty();
  if (encode_.headers == nullptr) {
    // Like any response: encoder filters (CORS, stats) see a 403 or 429 too.
    encodeHeaders(std::move(reply.headers), end_stream);
    if (end_stream || !canContinue(encode_)) return;
    Buffer data;
    data.add(reply.body);
    encodeData(data, true);
    return;
  }
  // Encoder filters are partway through another response: stop them and answer directly.
  encode_.aborted = true;
  encode_.headers = std::move(reply.headers);
  encode_.trailers.reset();
  encode_.buffered.reset();
  encode_.complete = true;
  info_.response_headers = encode_.headers.get();
  writeHeaders(end_stream);
  if (end_stream || state_.finished) return;
  Buffer data;
  data.add(reply.body);
  writeData(data, true);
}

void FilterManager::addDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& callbacks) {
  watermark_callbacks_.push_back(&callbacks);
  // A subscriber that arrives while the downstream is full learns it at once.
  for (int i = 0; i < downstream_above_watermark_; ++i) {
    callbacks.onAboveWriteBufferHighWatermark();
  }
}

void FilterManager::removeDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& callbacks) {
  auto& cbs = watermark_callbacks_;
  cbs.erase(std::remove(cbs.begin(), cbs.end(), &callbacks), cbs.end());
}

void FilterManager::onDownstreamAboveWriteBufferHighWatermark() {
  if (state_.finished) return;
  ++downstream_above_watermark_;
  for (auto* cb : watermark_callbacks_) cb->onAboveWriteBufferHighWatermark();
}

void FilterManager::onDownstreamBelowWriteBufferLowWatermark() {
  if (state_.finished) return;
  if (downstream_above_watermark_ > 0) --downstream_above_watermark_;
  for (auto* cb : watermark_callbacks_) cb->onBelowWriteBufferLowWatermark();
}

const RouteSpecificFilterConfig* FilterManager::perFilterConfig(std::string_view filter_name) {
  const Route* route = callbacks_.route();
  if (route == nullptr || filter_name.empty()) return nullptr;
  return route->mostSpecificPerFilterConfig(
      filter_name, route->weightedClusterValue(requestHeaders(), callbacks_.routeRandom()));
}

void FilterManager::onStreamFinished() {
  destroyFilters();
  state_.finished = true;
}

// Filters are told once, never from inside one of their own callbacks; the objects live until
// the FilterManager itself is deleted (with its stream, deferred).
void FilterManager::destroyFilters() {
  if (state_.destroyed) return;
  if (state_.call_depth > 0) {
    state_.destroy_pending = true;
    return;
  }
  state_.destroyed = true;
  for (auto& f : decode_.filters) f->callOnDestroy();
  for (auto& f : encode_.filters) f->callOnDestroy();
  watermark_callbacks_.clear();
}

}  // namespace meshproxy::http
