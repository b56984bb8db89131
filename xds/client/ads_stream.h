#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "envoy/service/discovery/v3/ads.grpc.pb.h"
#include "proxy/core/event_loop.h"

namespace meshproxy::xds {

using envoy::service::discovery::v3::DiscoveryRequest;
using envoy::service::discovery::v3::DiscoveryResponse;

// The gRPC side of ADS: one bidirectional StreamAggregatedResources stream, kept alive on its
// own thread (grpc++'s blocking API must never run on the main loop or a worker). What it
// receives is handed to the main loop; what the main loop sends is queued to a writer thread.
// A broken stream is re-established with jittered exponential backoff (0.5 s doubling to 30 s).
class AdsStream {
 public:
  // Called on the main loop's thread.
  class Callbacks {
   public:
    virtual ~Callbacks() = default;
    virtual void onStreamEstablished() = 0;
    virtual void onDiscoveryResponse(std::unique_ptr<DiscoveryResponse> response) = 0;
    virtual void onStreamClosed(const std::string& reason) = 0;
    // The stream ended because a response was larger than kMaxReceiveMessageBytes (it cannot
    // be read, so it cannot be NACKed either); onStreamClosed follows.
    virtual void onResponseTooLarge() = 0;
  };

  // gRPC's default receive limit is 4 MiB: a large mesh's route table (5 MB is not rare) made
  // the stream fail and reconnect ~4.5 times a second, stopping every config update. Envoy
  // reads much larger responses; past this bound the stream fails, is logged and counted, and
  // reconnects with growing backoff (up to 30 s) rather than in a tight loop.
  static constexpr int kMaxReceiveMessageBytes = 100 << 20;

  // target: a gRPC target string ("ipv4:127.0.0.1:18000", "dns:///cp:18000").
  AdsStream(std::string target, EventLoop& main_loop, Callbacks& callbacks);
  ~AdsStream();
  AdsStream(const AdsStream&) = delete;
  AdsStream& operator=(const AdsStream&) = delete;

  void start();
  // Thread-safe. Dropped when no stream is up: callers resend their state on establishment.
  void send(DiscoveryRequest request);
  const std::string& target() const { return target_; }

 private:
  void run();
  bool runOneStream();
  void writerLoop(grpc::ClientReaderWriter<DiscoveryRequest, DiscoveryResponse>* stream);
  void sleepInterruptibly(std::chrono::milliseconds duration);

  // Runs fn on the main loop unless this stream has been destroyed by then.
  void postToMain(std::function<void()> fn);

  const std::string target_;
  // Expires with the object; posted callbacks check it (they may run after destruction).
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  EventLoop& main_loop_;
  Callbacks& callbacks_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stream_up_ = false;
  std::deque<DiscoveryRequest> outbox_;
  grpc::ClientContext* context_ = nullptr;  // of the current stream, for cancellation
};

}  // namespace meshproxy::xds
