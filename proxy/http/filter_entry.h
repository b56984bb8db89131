#pragma once

// Private to filter_manager.cc: the per-filter entries of a FilterManager, which are also the
// callbacks objects the filters see (StreamDecoderFilterCallbacks/StreamEncoderFilterCallbacks
// forward to the FilterManager). Kept apart so filter_manager.cc holds the iteration alone.

#include <memory>
#include <string_view>

#include "proxy/core/recycled.h"
#include "proxy/http/filter.h"
#include "proxy/http/filter_manager.h"

namespace meshproxy::http {

// Where one filter stands in its chain (Envoy's ActiveStreamFilterBase), and the base of the
// callbacks object it sees; the iteration calls filters only through this.
struct FilterManager::FilterEntry {
  FilterEntry(FilterManager& p, bool is_decoder) : parent(p), decoder(is_decoder) {}
  virtual ~FilterEntry() = default;
  virtual FilterHeadersStatus callHeaders(HeaderMap& headers, bool end_stream) = 0;
  virtual FilterDataStatus callData(Buffer& data, bool end_stream) = 0;
  virtual FilterTrailersStatus callTrailers(HeaderMap& trailers) = 0;
  virtual void callOnDestroy() = 0;
  Chain& chain() { return decoder ? parent.decode_ : parent.encode_; }

  FilterManager& parent;
  const bool decoder;
  size_t index = 0;
  // The name the filter has in the connection manager's config: keys its per-route config.
  std::string_view config_name;
  // This filter returned a stop and has not continued yet.
  bool stopped = false;
  // The headers went past this filter.
  bool headers_continued = false;
  // This filter has seen the end of the stream / the trailers (guards against delivering
  // them twice when continue re-enters).
  bool end_stream = false;
  bool trailers_seen = false;
};

// The callbacks object each decoder filter sees.
struct FilterManager::DecoderFilter : public FilterEntry,
                                      public StreamDecoderFilterCallbacks,
                                      public Recycled<DecoderFilter> {
  DecoderFilter(FilterManager& m, std::shared_ptr<StreamDecoderFilter> f)
      : FilterEntry(m, true), filter(std::move(f)) {}
  FilterHeadersStatus callHeaders(HeaderMap& h, bool end) override {
    return filter->decodeHeaders(h, end);
  }
  FilterDataStatus callData(Buffer& d, bool end) override { return filter->decodeData(d, end); }
  FilterTrailersStatus callTrailers(HeaderMap& t) override { return filter->decodeTrailers(t); }
  void callOnDestroy() override { filter->onDestroy(); }

  WorkerContext& worker() override { return parent.callbacks_.worker(); }
  accesslog::StreamInfo& streamInfo() override { return parent.info_; }
  const network::Connection& connection() override { return parent.callbacks_.connection(); }
  const Route* route() override { return parent.callbacks_.route(); }
  void clearRouteCache() override { parent.callbacks_.clearRouteCache(); }
  const RouteSpecificFilterConfig* mostSpecificPerFilterConfig() override {
    return parent.perFilterConfig(config_name);
  }
  uint64_t routeRandom() override { return parent.callbacks_.routeRandom(); }
  uint64_t streamId() const override { return parent.stream_id_; }
  void continueDecoding() override { parent.continueFrom(parent.decode_, index); }
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) override {
    parent.sendLocalReply(status, body, details);
  }
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details,
                      const HeaderMap& extra_headers) override {
    LocalReplyOptions options;
    options.modify_headers = [&extra_headers](HeaderMap& headers) {
      for (const auto& [name, value] : extra_headers.entries()) headers.set(name, value);
    };
    parent.sendLocalReply(status, body, details, &options);
  }
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details,
                      const LocalReplyOptions& options) override {
    parent.sendLocalReply(status, body, details, &options);
  }
  void encode1xxHeaders(std::unique_ptr<HeaderMap> h) override { parent.encode1xx(std::move(h)); }
  void encodeHeaders(std::unique_ptr<HeaderMap> h, bool end_stream) override {
    parent.encodeHeaders(std::move(h), end_stream);
  }
  void encodeData(Buffer& data, bool end_stream) override { parent.encodeData(data, end_stream); }
  void encodeTrailers(std::unique_ptr<HeaderMap> t) override {
    parent.encodeTrailers(std::move(t));
  }
  HeaderMap* requestHeaders() override { return parent.decode_.headers.get(); }
  void onDecoderFilterAboveWriteBufferHighWatermark() override {
    parent.onDecoderFilterAboveWriteBufferHighWatermark();
  }
  void onDecoderFilterBelowWriteBufferLowWatermark() override {
    parent.onDecoderFilterBelowWriteBufferLowWatermark();
  }
  void addDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& cb) override {
    parent.addDownstreamWatermarkCallbacks(cb);
  }
  void removeDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& cb) override {
    parent.removeDownstreamWatermarkCallbacks(cb);
  }
  uint32_t bufferLimit() const override { return parent.buffer_limit_; }
  void resetStream() override { parent.callbacks_.resetStream(); }
  const Buffer* decodingBuffer() override {
    return parent.decode_.buffered.has_value() ? &*parent.decode_.buffered : nullptr;
  }
  void modifyDecodingBuffer(absl::FunctionRef<void(Buffer&)> callback) override {
    if (parent.decode_.buffered.has_value()) callback(*parent.decode_.buffered);
  }
  void addDecodedData(Buffer& data, bool streaming) override {
    parent.addData(parent.decode_, *this, data, streaming);
  }
  HeaderMap& addDecodedTrailers() override { return parent.addTrailers(parent.decode_); }

  std::shared_ptr<StreamDecoderFilter> filter;
};

struct FilterManager::EncoderFilter : public FilterEntry,
                                      public StreamEncoderFilterCallbacks,
                                      public Recycled<EncoderFilter> {
  EncoderFilter(FilterManager& m, std::shared_ptr<StreamEncoderFilter> f)
      : FilterEntry(m, false), filter(std::move(f)) {}
  FilterHeadersStatus callHeaders(HeaderMap& h, bool end) override {
    return filter->encodeHeaders(h, end);
  }
  FilterDataStatus callData(Buffer& d, bool end) override { return filter->encodeData(d, end); }
  FilterTrailersStatus callTrailers(HeaderMap& t) override { return filter->encodeTrailers(t); }
  void callOnDestroy() override {
    if (!dual) filter->onDestroy();
  }

  WorkerContext& worker() override { return parent.callbacks_.worker(); }
  accesslog::StreamInfo& streamInfo() override { return parent.info_; }
  const network::Connection& connection() override { return parent.callbacks_.connection(); }
  const Route* route() override { return parent.callbacks_.route(); }
  void clearRouteCache() override { parent.callbacks_.clearRouteCache(); }
  const RouteSpecificFilterConfig* mostSpecificPerFilterConfig() override {
    return parent.perFilterConfig(config_name);
  }
  uint64_t routeRandom() override { return parent.callbacks_.routeRandom(); }
  uint64_t streamId() const override { return parent.stream_id_; }
  void continueEncoding() override { parent.continueFrom(parent.encode_, index); }
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details) override {
    parent.sendLocalReply(status, body, details);
  }
  void sendLocalReply(uint32_t status, std::string_view body, std::string_view details,
                      const LocalReplyOptions& options) override {
    parent.sendLocalReply(status, body, details, &options);
  }
  HeaderMap* responseHeaders() override { return parent.encode_.headers.get(); }
  const Buffer* encodingBuffer() override {
    return parent.encode_.buffered.has_value() ? &*parent.encode_.buffered : nullptr;
  }
  void modifyEncodingBuffer(absl::FunctionRef<void(Buffer&)> callback) override {
    if (parent.encode_.buffered.has_value()) callback(*parent.encode_.buffered);
  }
  void addEncodedData(Buffer& data, bool streaming) override {
    parent.addData(parent.encode_, *this, data, streaming);
  }
  HeaderMap& addEncodedTrailers() override { return parent.addTrailers(parent.encode_); }
  void onEncoderFilterAboveWriteBufferHighWatermark() override {
    parent.onDownstreamAboveWriteBufferHighWatermark();
  }
  void onEncoderFilterBelowWriteBufferLowWatermark() override {
    parent.onDownstreamBelowWriteBufferLowWatermark();
  }

  std::shared_ptr<StreamEncoderFilter> filter;
  // Also a decoder filter: told onDestroy() through that side only.
  bool dual = false;
};

}  // namespace meshproxy::http
