#include "proxy/http/filter_manager.h"

#include <algorithm>

#include "proxy/core/recycled.h"

namespace meshproxy::http {

// The callbacks object each decoder filter sees; it knows its place in the chain, so
// continueDecoding() resumes after the right filter.
struct FilterManager::DecoderFilter : public StreamDecoderFilterCallbacks,
                                      public Recycled<DecoderFilter> {
  DecoderFilter(FilterManager& m, std::shared_ptr<StreamDecoderFilter> f, size_t i)
      : parent(m), filter(std::move(f)), index(i) {}
  WorkerContext& worker() override { return parent.callbacks_.worker(); }
  accesslog::StreamInfo& streamInfo() override { return parent.info_; }
  const network::Connection& connection() override { return parent.callbacks_.connection(); }
  const Route* route() override { return parent.callbacks_.route(); }
  void clearRouteCache() override { parent.callbacks_.clearRouteCache(); }
  uint64_t streamId() const override { return parent.stream_id_; }
  void continueDecoding() override { parent.continueDecoding(index); }
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) override {
    parent.sendLocalReply(status, body, details);
  }
  void encode1xxHeaders(std::unique_ptr<HeaderMap> h) override { parent.encode1xx(std::move(h)); }
  void encodeHeaders(std::unique_ptr<HeaderMap> h, bool end_stream) override {
    parent.encodeHeaders(std::move(h), end_stream);
  }
  void encodeData(Buffer& data, bool end_stream) override { parent.encodeData(data, end_stream); }
  void encodeTrailers(std::unique_ptr<HeaderMap> t) override {
    parent.encodeTrailers(std::move(t));
  }
  HeaderMap* requestHeaders() override { return parent.request_headers_.get(); }
  void onDecoderFilterAboveWriteBufferHighWatermark() override {
    parent.onDecoderFilterAboveWriteBufferHighWatermark();
  }
  void onDecoderFilterBelowWriteBufferLowWatermark() override {
    parent.onDecoderFilterBelowWriteBufferLowWatermark();
  }
  void addDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& cb) override {
    parent.watermark_callbacks_.push_back(&cb);
  }
  void removeDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& cb) override {
    auto& cbs = parent.watermark_callbacks_;
    cbs.erase(std::remove(cbs.begin(), cbs.end(), &cb), cbs.end());
  }
  uint32_t bufferLimit() const override { return parent.buffer_limit_; }
  void resetStream() override { parent.callbacks_.resetStream(); }

  FilterManager& parent;
  std::shared_ptr<StreamDecoderFilter> filter;
  size_t index;
};

struct FilterManager::EncoderFilter : public StreamEncoderFilterCallbacks,
                                      public Recycled<EncoderFilter> {
  EncoderFilter(FilterManager& m, std::shared_ptr<StreamEncoderFilter> f, size_t i)
      : parent(m), filter(std::move(f)), index(i) {}
  WorkerContext& worker() override { return parent.callbacks_.worker(); }
  accesslog::StreamInfo& streamInfo() override { return parent.info_; }
  const network::Connection& connection() override { return parent.callbacks_.connection(); }
  const Route* route() override { return parent.callbacks_.route(); }
  void clearRouteCache() override { parent.callbacks_.clearRouteCache(); }
  uint64_t streamId() const override { return parent.stream_id_; }
  void continueEncoding() override { parent.continueEncoding(index); }
  HeaderMap* responseHeaders() override { return parent.response_headers_.get(); }

  FilterManager& parent;
  std::shared_ptr<StreamEncoderFilter> filter;
  size_t index;
  // Also a decoder filter: told onDestroy() through that side only.
  bool dual = false;
};

FilterManager::FilterManager(FilterManagerCallbacks& callbacks, accesslog::StreamInfo& info,
                             uint64_t stream_id, uint32_t buffer_limit)
    : callbacks_(callbacks), info_(info), stream_id_(stream_id), buffer_limit_(buffer_limit) {}

FilterManager::~FilterManager() = default;

void FilterManager::addDecoderFilter(std::shared_ptr<StreamDecoderFilter> filter) {
  auto wrapper = std::make_unique<DecoderFilter>(*this, std::move(filter), decoder_filters_.size());
  wrapper->filter->setDecoderFilterCallbacks(*wrapper);
  decoder_filters_.push_back(std::move(wrapper));
}

// Encoder filters run in the reverse order of the chain, as in Envoy: the response meets the
// filter nearest the upstream first.
void FilterManager::addEncoderFilter(std::shared_ptr<StreamEncoderFilter> filter) {
  auto wrapper = std::make_unique<EncoderFilter>(*this, std::move(filter), 0);
  wrapper->filter->setEncoderFilterCallbacks(*wrapper);
  encoder_filters_.insert(encoder_filters_.begin(), std::move(wrapper));
  for (size_t i = 0; i < encoder_filters_.size(); ++i) encoder_filters_[i]->index = i;
}

void FilterManager::addStreamFilter(std::shared_ptr<StreamDecoderFilter> decoder,
                                    std::shared_ptr<StreamEncoderFilter> encoder) {
  addDecoderFilter(std::move(decoder));
  addEncoderFilter(std::move(encoder));
  encoder_filters_.front()->dual = true;
}

// ---- request path ------------------------------------------------------------------------

void FilterManager::setRequestHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) {
  request_headers_ = std::move(headers);
  info_.request_headers = request_headers_.get();
  state_.request_complete = end_stream;
}

void FilterManager::decodeHeaders() { decodeHeadersFrom(0); }

void FilterManager::decodeHeadersFrom(size_t index) {
  size_t n = decoder_filters_.size();
  bool end_stream = state_.request_complete && buffered_request_data_.empty() && !request_trailers_;
  for (size_t i = index; i < n; ++i) {
    state_.decoding_stopped_at = i + 1;  // filters before this index have seen the headers
    auto status = decoder_filters_[i]->filter->decodeHeaders(*request_headers_, end_stream);
    if (state_.finished || state_.local_reply_in_progress) return;
    if (status == FilterHeadersStatus::kStopIteration) {
      state_.decoding_stopped = true;
      return;
    }
  }
  state_.decoding_stopped = false;
  state_.decoding_stopped_at = n;
}

void FilterManager::decodeData(Buffer& data, bool end_stream) {
  if (end_stream) state_.request_complete = true;
  if (state_.finished || state_.local_reply_in_progress || state_.response_complete) {
    data.clear();
    return;
  }
  decodeDataFrom(0, data, end_stream);
}

void FilterManager::decodeDataFrom(size_t index, Buffer& data, bool end_stream) {
  // Data reaches only the filters that have seen the headers.
  size_t limit = state_.decoding_stopped ? state_.decoding_stopped_at : decoder_filters_.size();
  for (size_t i = index; i < limit; ++i) {
    auto status = decoder_filters_[i]->filter->decodeData(data, end_stream);
    if (state_.finished || state_.local_reply_in_progress) return;
    if (status == FilterDataStatus::kStopIterationAndBuffer) {
      buffered_request_data_.move(data);
      if (buffered_request_data_.length() > buffer_limit_) {
        callbacks_.onRequestDataTooLarge();
        sendLocalReply(413, "Payload Too Large", "request_payload_too_large");
      }
      return;
    }
    if (status == FilterDataStatus::kStopIterationNoBuffer) return;
    if (i + 1 == limit && state_.decoding_stopped && limit < decoder_filters_.size()) {
      // The filter that stopped the headers let data through: that resumes iteration.
      state_.decoding_stopped = false;
      decodeHeadersFrom(limit);
      if (state_.finished || state_.local_reply_in_progress) return;
      limit = state_.decoding_stopped ? state_.decoding_stopped_at : decoder_filters_.size();
    }
  }
  if (limit == decoder_filters_.size() && !state_.decoding_stopped) data.clear();
}

void FilterManager::decodeTrailers(std::unique_ptr<HeaderMap> trailers) {
  request_trailers_ = std::move(trailers);
  state_.request_complete = true;
  if (state_.finished || state_.local_reply_in_progress || state_.response_complete) return;
  if (!buffered_request_data_.empty() || state_.decoding_stopped) {
    state_.decode_trailers_pending = true;
    // Filters that have seen the headers still get the trailers now.
    if (!buffered_request_data_.empty()) return;
  }
  decodeTrailersFrom(0);
}

void FilterManager::decodeTrailersFrom(size_t index) {
  size_t limit = state_.decoding_stopped ? state_.decoding_stopped_at : decoder_filters_.size();
  for (size_t i = index; i < limit; ++i) {
    auto status = decoder_filters_[i]->filter->decodeTrailers(*request_trailers_);
    if (state_.finished || state_.local_reply_in_progress) return;
    if (status == FilterTrailersStatus::kStopIteration) return;
  }
  if (limit == decoder_filters_.size()) state_.decode_trailers_pending = false;
}

void FilterManager::continueDecoding(size_t filter_index) {
  if (state_.finished || state_.local_reply_in_progress) return;
  size_t next = filter_index + 1;
  if (state_.decoding_stopped && state_.decoding_stopped_at == next) {
    state_.decoding_stopped = false;
    decodeHeadersFrom(next);
    if (state_.finished || state_.local_reply_in_progress) return;
  }
  if (!buffered_request_data_.empty()) {
    Buffer data = std::move(buffered_request_data_);
    bool end_stream = state_.request_complete && !request_trailers_;
    decodeDataFrom(next, data, end_stream);
    if (state_.finished || state_.local_reply_in_progress) return;
  }
  if (request_trailers_ && state_.decode_trailers_pending) decodeTrailersFrom(next);
}

void FilterManager::onDecoderFilterAboveWriteBufferHighWatermark() {
  if (upstream_above_watermark_++ == 0) callbacks_.onDecoderFilterAboveWriteBufferHighWatermark();
}

void FilterManager::onDecoderFilterBelowWriteBufferLowWatermark() {
  if (upstream_above_watermark_ > 0 && --upstream_above_watermark_ == 0) {
    callbacks_.onDecoderFilterBelowWriteBufferLowWatermark();
  }
}

// ---- response path -----------------------------------------------------------------------

void FilterManager::encode1xx(std::unique_ptr<HeaderMap> headers) {
  if (state_.response_headers_sent) return;
  callbacks_.encode1xxHeaders(*headers);
}

void FilterManager::encodeHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream) {
  response_headers_ = std::move(headers);
  info_.response_headers = response_headers_.get();
  state_.encode_end_stream_pending = end_stream;
  callbacks_.resetIdleTimer();
  encodeHeadersFrom(0);
}

void FilterManager::encodeHeadersFrom(size_t index) {
  bool end_stream =
      state_.encode_end_stream_pending && buffered_response_data_.empty() && !response_trailers_;
  for (size_t i = index; i < encoder_filters_.size(); ++i) {
    state_.encoding_stopped_at = i + 1;
    auto status = encoder_filters_[i]->filter->encodeHeaders(*response_headers_, end_stream);
    if (state_.finished) return;
    if (status == FilterHeadersStatus::kStopIteration) {
      state_.encoding_stopped = true;
      return;
    }
  }
  state_.encoding_stopped = false;
  state_.encoding_stopped_at = encoder_filters_.size();
  writeHeaders(end_stream);
}

void FilterManager::encodeData(Buffer& data, bool end_stream) {
  callbacks_.resetIdleTimer();
  if (end_stream) state_.encode_end_stream_pending = true;
  encodeDataFrom(0, data, end_stream);
}

void FilterManager::encodeDataFrom(size_t index, Buffer& data, bool end_stream) {
  size_t limit = state_.encoding_stopped ? state_.encoding_stopped_at : encoder_filters_.size();
  for (size_t i = index; i < limit; ++i) {
    auto status = encoder_filters_[i]->filter->encodeData(data, end_stream);
    if (state_.finished) return;
    if (status == FilterDataStatus::kStopIterationAndBuffer) {
      buffered_response_data_.move(data);
      return;
    }
    if (status == FilterDataStatus::kStopIterationNoBuffer) return;
  }
  if (state_.encoding_stopped) {
    buffered_response_data_.move(data);
    return;
  }
  writeData(data, end_stream);
}

void FilterManager::encodeTrailers(std::unique_ptr<HeaderMap> trailers) {
  response_trailers_ = std::move(trailers);
  info_.response_trailers = response_trailers_.get();
  state_.encode_end_stream_pending = true;
  encodeTrailersFrom(0);
}

void FilterManager::encodeTrailersFrom(size_t index) {
  size_t limit = state_.encoding_stopped ? state_.encoding_stopped_at : encoder_filters_.size();
  for (size_t i = index; i < limit; ++i) {
    auto status = encoder_filters_[i]->filter->encodeTrailers(*response_trailers_);
    if (state_.finished) return;
    if (status == FilterTrailersStatus::kStopIteration) {
      state_.encode_trailers_pending = true;
      return;
    }
  }
  if (state_.encoding_stopped || !buffered_response_data_.empty()) {
    state_.encode_trailers_pending = true;
    return;
  }
  writeTrailers();
}

void FilterManager::continueEncoding(size_t filter_index) {
  if (state_.finished) return;
  size_t next = filter_index + 1;
  if (state_.encoding_stopped && state_.encoding_stopped_at == next &&
      !state_.response_headers_sent) {
    state_.encoding_stopped = false;
    encodeHeadersFrom(next);
    if (state_.finished) return;
  } else {
    state_.encoding_stopped = false;
  }
  if (!buffered_response_data_.empty()) {
    Buffer data = std::move(buffered_response_data_);
    encodeDataFrom(next, data, state_.encode_end_stream_pending && !response_trailers_);
    if (state_.finished) return;
  }
  if (response_trailers_ && state_.encode_trailers_pending) {
    state_.encode_trailers_pending = false;
    encodeTrailersFrom(next);
  }
}

void FilterManager::writeHeaders(bool end_stream) {
  state_.response_headers_sent = true;
  if (end_stream) state_.response_complete = true;
  callbacks_.encodeHeaders(*response_headers_, end_stream);
}

void FilterManager::writeData(Buffer& data, bool end_stream) {
  if (end_stream) state_.response_complete = true;
  callbacks_.encodeData(data, end_stream);
}

void FilterManager::writeTrailers() {
  state_.response_complete = true;
  callbacks_.encodeTrailers(*response_trailers_);
}

// ---- local replies, watermarks, teardown -------------------------------------------------

void FilterManager::sendLocalReply(uint32_t status, std::string_view body,
                                   std::string_view details) {
  if (state_.finished) return;
  response_code_details_ = std::string(details);
  info_.response_code_details = response_code_details_;
  if (state_.response_headers_sent) {
    // Too late for a clean answer: the only signal left is a reset.
    callbacks_.resetStream();
    return;
  }
  // The filters that were handling the request must stop; their upstream work is moot.
  state_.local_reply_in_progress = true;
  destroyFilters();
  auto headers = std::make_unique<HeaderMap>();
  headers->addLowercase(std::string(headers::kStatus), std::to_string(status));
  std::string body_text(body);
  if (!body_text.empty()) {
    headers->addLowercase("content-type", "text/plain");
  }
  headers->addLowercase("content-length", std::to_string(body_text.size()));
  if (!details.empty()) headers->addLowercase("x-meshproxy-reason", std::string(details));
  response_headers_ = std::move(headers);
  info_.response_headers = response_headers_.get();
  // Local replies go straight to the codec: the filters were told to stop above.
  if (body_text.empty() || (request_headers_ && request_headers_->method() == "HEAD")) {
    writeHeaders(true);
    return;
  }
  writeHeaders(false);
  if (state_.finished) return;
  Buffer data;
  data.add(body_text);
  writeData(data, true);
}

void FilterManager::onDownstreamAboveWriteBufferHighWatermark() {
  for (auto* cb : watermark_callbacks_) cb->onAboveWriteBufferHighWatermark();
}

void FilterManager::onDownstreamBelowWriteBufferLowWatermark() {
  for (auto* cb : watermark_callbacks_) cb->onBelowWriteBufferLowWatermark();
}

void FilterManager::onStreamFinished() {
  destroyFilters();
  state_.finished = true;
}

// Filters are told once; the objects live until the FilterManager itself is deleted (with its
// stream, deferred), since this is often reached from inside one of their own calls.
void FilterManager::destroyFilters() {
  if (state_.destroyed) return;
  state_.destroyed = true;
  for (auto& f : decoder_filters_) f->filter->onDestroy();
  for (auto& f : encoder_filters_) {
    if (!f->dual) f->filter->onDestroy();
  }
  watermark_callbacks_.clear();
}

}  // namespace meshproxy::http
