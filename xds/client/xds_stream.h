#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/sync_stream.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "envoy/service/discovery/v3/discovery.pb.h"
#include "proxy/core/event_loop.h"

namespace meshproxy::xds {

using envoy::service::discovery::v3::DeltaDiscoveryRequest;
using envoy::service::discovery::v3::DeltaDiscoveryResponse;
using envoy::service::discovery::v3::DiscoveryRequest;
using envoy::service::discovery::v3::DiscoveryResponse;

// Where a config source's gRPC service is and what every call to it carries, resolved from
// the bootstrap (ads_config, or an api_config_source) by the server.
struct GrpcServiceSpec {
  // A grpc++ target: "ipv4:127.0.0.1:18000", "unix:/etc/istio/proxy/XDS", "dns:///cp:18000".
  std::string target;
  // grpc_services[0].initial_metadata: sent with the call (Consul's x-consul-token).
  std::vector<std::pair<std::string, std::string>> initial_metadata;
};

// gRPC's default receive limit is 4 MiB: a large mesh's route table (5 MB is not rare) made
// the stream fail and reconnect ~4.5 times a second, stopping every config update. Envoy
// reads much larger responses; past this bound the stream fails, is logged and counted, and
// reconnects with growing backoff (up to 30 s) rather than in a tight loop.
inline constexpr int kMaxXdsReceiveMessageBytes = 100 << 20;

// The gRPC side of one xDS stream (State of the World or delta, any discovery service): one
// bidirectional call kept alive on its own thread (grpc++'s blocking API must never run on the
// main loop or a worker). What it receives is handed to the main loop; what the main loop sends
// is queued to a writer thread. A broken stream is re-established with jittered exponential
// backoff (0.5 s doubling to 30 s).
template <typename Request, typename Response>
class XdsStream {
 public:
  using ReaderWriter = grpc::ClientReaderWriter<Request, Response>;
  // Starts the service's streaming method on a connected channel.
  using Open = std::function<std::unique_ptr<ReaderWriter>(const std::shared_ptr<grpc::Channel>&,
                                                           grpc::ClientContext*)>;

  // Called on the main loop's thread.
  class Callbacks {
   public:
    virtual ~Callbacks() = default;
    virtual void onStreamEstablished() = 0;
    virtual void onResponse(std::unique_ptr<Response> response) = 0;
    virtual void onStreamClosed(const std::string& reason) = 0;
    // The stream ended because a response was larger than kMaxXdsReceiveMessageBytes (it
    // cannot be read, so it cannot be NACKed either); onStreamClosed follows.
    virtual void onResponseTooLarge() = 0;
  };

  XdsStream(GrpcServiceSpec spec, Open open, EventLoop& main_loop, Callbacks& callbacks);
  ~XdsStream();
  XdsStream(const XdsStream&) = delete;
  XdsStream& operator=(const XdsStream&) = delete;

  void start();
  // Thread-safe. Dropped when no stream is up: callers resend their state on establishment.
  void send(Request request);
  const std::string& target() const { return spec_.target; }

 private:
  void run();
  bool runOneStream();
  void writerLoop(ReaderWriter* stream);
  void sleepInterruptibly(std::chrono::milliseconds duration);

  // Runs fn on the main loop unless this stream has been destroyed by then.
  void postToMain(std::function<void()> fn);

  const GrpcServiceSpec spec_;
  const Open open_;
  // Expires with the object; posted callbacks check it (they may run after destruction).
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  EventLoop& main_loop_;
  Callbacks& callbacks_;
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool stream_up_ = false;
  std::deque<Request> outbox_;
  grpc::ClientContext* context_ = nullptr;  // of the current stream, for cancellation
};

using SotwStream = XdsStream<DiscoveryRequest, DiscoveryResponse>;
using DeltaStream = XdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
extern template class XdsStream<DiscoveryRequest, DiscoveryResponse>;
extern template class XdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

}  // namespace meshproxy::xds
