#pragma once

#include <nghttp2/nghttp2.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "proxy/core/buffer.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/http/codec.h"
#include "proxy/http/http2/codec_stats.h"
#include "proxy/http/http2/header_conversion.h"
#include "proxy/http/http2/output.h"
#include "proxy/http/http2/protocol_constraints.h"
#include "proxy/http/http2/settings.h"

// The nghttp2 session glue shared by the HTTP/2 server and client codecs: frames in
// (dispatch -> nghttp2_session_mem_recv -> callbacks), frames out (nghttp2_session_send ->
// one Buffer -> Output), streams, flow control, flood limits, keepalive and connection errors.
namespace meshproxy::http::http2 {

class ConnectionImpl;

// One HTTP/2 stream. The server and client codecs add the encoder side they hand out.
//
// Send side: body bytes wait in pending_send_ until nghttp2 has window for them, and leave
// without a copy (DATA frames are written by send_data_callback, moving slices). Above
// Http2Settings::stream_buffer_limit the stream's subscribers get the high watermark.
//
// Receive side: DATA is acknowledged to the peer (stream WINDOW_UPDATE) only once delivered
// to the decoder. While read-disabled, data (and the end of stream or trailers behind it) is
// held here and the peer's stream window runs out; the connection window is returned at once,
// so one slow stream never stalls the others.
//
// Lifetime: owned by the ConnectionImpl until the stream closes, then freed through deferred
// delete (EventLoop, or at the next dispatch without a loop). Nothing is called on a
// subscriber after its onResetStream.
class StreamImpl : public Stream, public DeferredDeletable {
 public:
  explicit StreamImpl(ConnectionImpl& parent);
  ~StreamImpl() override;

  // Stream
  void resetStream(StreamResetReason reason) override;
  void readDisable(bool disable) override;
  void addCallbacks(StreamCallbacks& callbacks) override;
  void removeCallbacks(StreamCallbacks& callbacks) override;
  // The stream window: what the peer may send before we acknowledge it.
  uint32_t bufferLimit() const override;

  int32_t streamId() const { return stream_id_; }
  size_t pendingSendBytes() const { return pending_send_.length(); }
  size_t heldReceiveBytes() const { return pending_recv_.length(); }

 protected:
  // The message sent: headers (with a data provider unless end_stream), data, trailers.
  void encodeHeadersImpl(const NvList& headers, bool end_stream);
  void encodeDataImpl(Buffer& data, bool end_stream);
  void encodeTrailersImpl(const HeaderMap& trailers);
  // Submits the first header block; returns the stream id, or a negative nghttp2 error.
  virtual int32_t submitHeaders(const NvList& headers, const nghttp2_data_provider* provider) = 0;
  // A complete header block arrived (headers_ holds it).
  virtual void onHeadersComplete(std::unique_ptr<HeaderMap> headers, bool end_stream) = 0;

  void deliverHeaders(std::unique_ptr<HeaderMap> headers, bool end_stream);
  void runResetCallbacks(StreamResetReason reason);

  ConnectionImpl& parent_;
  int32_t stream_id_ = -1;
  StreamDecoder* decoder_ = nullptr;
  bool local_end_ = false;
  bool remote_end_ = false;
  bool headers_received_ = false;
  // An extended CONNECT (RFC 8441): the upgrade protocol, for response translation.
  std::string upgrade_protocol_;

 private:
  friend class ConnectionImpl;

  // nghttp2 data source.
  static ssize_t onDataSourceRead(nghttp2_session* session, int32_t stream_id, uint8_t* buf,
                                  size_t length, uint32_t* data_flags, nghttp2_data_source* source,
                                  void* user_data);
  void onSendData(size_t length);
  void resumeSendData();
  // Receive path, from the connection's nghttp2 callbacks.
  void onDataChunk(const uint8_t* data, size_t length);
  void onDataFrameComplete(bool end_stream);
  void onTrailers(std::unique_ptr<HeaderMap> trailers);
  void deliverHeld();
  // nghttp2 closed the stream (error_code: the RST_STREAM code, 0 for a normal end).
  void onClosed(uint32_t error_code);
  void updateSendWatermark();

  absl::InlinedVector<StreamCallbacks*, 2> callbacks_;
  std::unique_ptr<HeaderMap> headers_;  // the header block being received
  Buffer pending_send_;
  std::unique_ptr<HeaderMap> pending_trailers_;
  Buffer pending_recv_;
  std::unique_ptr<HeaderMap> held_trailers_;
  uint32_t read_disable_count_ = 0;
  bool held_end_stream_ = false;
  bool data_deferred_ = false;
  bool provider_attached_ = false;
  bool above_send_watermark_ = false;
  bool reset_notified_ = false;
  bool closed_ = false;
  bool messaging_error_ = false;
  bool resume_scheduled_ = false;
  bool remote_reset_ = false;  // the peer sent RST_STREAM
  // When the peer opened the stream (server side): a reset soon after is premature.
  std::chrono::steady_clock::time_point opened_at_;
  std::list<std::unique_ptr<StreamImpl>>::iterator self_;
};

class ConnectionImpl {
 public:
  ConnectionImpl(Output& output, const Http2Settings& settings, bool server);
  virtual ~ConnectionImpl();
  ConnectionImpl(const ConnectionImpl&) = delete;
  ConnectionImpl& operator=(const ConnectionImpl&) = delete;

  // Feeds received bytes to nghttp2 and sends what it produced. An error is a connection
  // error the codec has already handled: GOAWAY sent, open streams reset with
  // kConnectionTermination, the connection closed (flushing the GOAWAY). The caller writes
  // nothing more.
  absl::Status dispatchImpl(Buffer& data);
  // The network connection closed: open streams are reset with kConnectionTermination.
  void onConnectionClosed();
  void onAboveWriteBufferHighWatermark();
  void onBelowWriteBufferLowWatermark();
  // GOAWAY: drain (last stream id = the last one the peer opened), or the shutdown notice.
  void submitGoAway();
  void submitShutdownNotice();

  // Streams open (or holding received data for a read-disabled decoder).
  uint32_t streamCount() const { return static_cast<uint32_t>(streams_.size()); }
  bool closed() const { return closed_; }
  // True once no new stream can start (GOAWAY either way, a connection error, closed).
  bool goingAway() const { return goaway_sent_ || goaway_received_ || closed_; }
  const absl::Status& error() const { return error_; }
  const Http2Settings& settings() const { return settings_; }
  const ProtocolConstraints& constraints() const { return constraints_; }

 protected:
  // Server: a new request stream (HEADERS from the peer). Client: never called.
  virtual StreamImpl* onNewRemoteStream(int32_t stream_id) { return nullptr; }
  virtual void onGoAwayReceived(uint32_t error_code) {}
  virtual void onSettingsReceived(const nghttp2_settings& settings) {}
  StreamImpl& addStream(std::unique_ptr<StreamImpl> stream);
  // Sends everything nghttp2 has queued (unless inside nghttp2 callbacks, or the connection
  // is above its write watermark and `force` is false), then closes the connection if the
  // session is over.
  void sendPendingFrames(bool force = false);

  nghttp2_session* session_ = nullptr;
  const Http2Settings settings_;
  const bool server_;
  bool peer_allows_extended_connect_ = false;

 private:
  friend class StreamImpl;
  struct Callbacks;

  // A connection error: GOAWAY with `code`, reset every stream, close after flushing.
  void connectionError(absl::Status status, uint32_t code);
  void closeConnection(network::CloseType type);
  void resetAllStreams(StreamResetReason reason);
  void finishStream(StreamImpl& stream);
  void scheduleResume(StreamImpl& stream);
  void runResumes();
  void releaseClosedStreams();
  void armKeepalive();
  void onKeepaliveInterval();
  void onKeepaliveTimeout();
  absl::Status checkOutboundFlood();
  // Fails the nghttp2 callback in progress: the connection error `status` with `code`.
  int failCallback(const absl::Status& status, uint32_t code);
  void countError(std::string_view reason);

  // nghttp2 callbacks (Callbacks forwards to these).
  int onBeginHeaders(const nghttp2_frame* frame);
  int onHeader(const nghttp2_frame* frame, std::string_view name, std::string_view value);
  int onBeginFrame(const nghttp2_frame_hd* hd);
  int onFrameReceived(const nghttp2_frame* frame);
  int onDataChunk(int32_t stream_id, const uint8_t* data, size_t length);
  int onStreamClose(int32_t stream_id, uint32_t error_code);
  int onInvalidFrame(const nghttp2_frame* frame, int error_code);
  int onInvalidHeader(const nghttp2_frame* frame);
  int onFrameSent(const nghttp2_frame* frame);
  int onSendData(const nghttp2_frame* frame, const uint8_t* framehd, size_t length,
                 nghttp2_data_source* source);
  ssize_t onSend(const uint8_t* data, size_t length);
  StreamImpl* streamFor(int32_t stream_id);

  Output& output_;
  std::list<std::unique_ptr<StreamImpl>> streams_;
  std::vector<std::unique_ptr<StreamImpl>> graveyard_;
  std::vector<StreamImpl*> resume_queue_;
  Buffer out_;
  ProtocolConstraints constraints_;
  absl::Status error_;
  std::string callback_error_;  // why a callback failed the session
  uint32_t callback_error_code_ = NGHTTP2_PROTOCOL_ERROR;
  uint32_t library_goaway_code_ = 0;  // a GOAWAY nghttp2 sent on its own
  std::unique_ptr<Timer> resume_timer_;
  std::unique_ptr<Timer> keepalive_interval_timer_;
  std::unique_ptr<Timer> keepalive_timeout_timer_;
  std::minstd_rand jitter_;
  uint32_t above_write_watermark_ = 0;
  bool dispatching_ = false;
  bool sending_ = false;
  bool closed_ = false;
  bool goaway_sent_ = false;
  bool goaway_received_ = false;
  bool keepalive_ping_outstanding_ = false;
};

}  // namespace meshproxy::http::http2
