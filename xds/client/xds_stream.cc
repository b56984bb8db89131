#include "xds/client/xds_stream.h"

#include <grpcpp/grpcpp.h>

#include <random>

#include "proxy/core/log.h"

namespace meshproxy::xds {

namespace {
constexpr std::chrono::milliseconds kInitialBackoff{500};
constexpr std::chrono::milliseconds kMaxBackoff{30000};

std::shared_ptr<grpc::Channel> makeChannel(const std::string& target) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxXdsReceiveMessageBytes);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}
}  // namespace

template <typename Request, typename Response>
XdsStream<Request, Response>::XdsStream(GrpcServiceSpec spec, Open open, EventLoop& main_loop,
                                        Callbacks& callbacks)
    : spec_(std::move(spec)),
      open_(std::move(open)),
      main_loop_(main_loop),
      callbacks_(callbacks) {}

template <typename Request, typename Response>
XdsStream<Request, Response>::~XdsStream() {
  alive_.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

template <typename Request, typename Response>
void XdsStream<Request, Response>::postToMain(std::function<void()> fn) {
  main_loop_.post([alive = std::weak_ptr<int>(alive_), fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

template <typename Request, typename Response>
void XdsStream<Request, Response>::start() {
  thread_ = std::thread([this] { run(); });
}

template <typename Request, typename Response>
void XdsStream<Request, Response>::send(Request request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stream_up_) return;
    outbox_.push_back(std::move(request));
  }
  cv_.notify_all();
}

template <typename Request, typename Response>
void XdsStream<Request, Response>::sleepInterruptibly(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, duration, [this] { return stopping_; });
}

template <typename Request, typename Response>
void XdsStream<Request, Response>::run() {
  log::setThreadName("xds");
  std::mt19937_64 random(std::random_device{}());
  auto backoff = kInitialBackoff;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    bool received = runOneStream();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
    }
    // A stream that worked resets the backoff; failures back off exponentially, jittered so
    // a fleet of sidecars does not reconnect in lockstep.
    if (received) backoff = kInitialBackoff;
    auto half = backoff.count() / 2;
    std::uniform_int_distribution<long> jitter(0, half);
    auto delay = std::chrono::milliseconds(half + jitter(random));
    log::info("xds: reconnecting to {} in {} ms", spec_.target, delay.count());
    sleepInterruptibly(delay);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

template <typename Request, typename Response>
bool XdsStream<Request, Response>::runOneStream() {
  auto channel = makeChannel(spec_.target);
  // Wait for the connection in short slices so that stop() is never held up for long.
  auto give_up = std::chrono::system_clock::now() + std::chrono::seconds(5);
  while (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                    std::chrono::milliseconds(250))) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    if (std::chrono::system_clock::now() > give_up) {
      postToMain([this] { callbacks_.onStreamClosed("connect timeout"); });
      return false;
    }
  }
  grpc::ClientContext context;
  for (const auto& [key, value] : spec_.initial_metadata) context.AddMetadata(key, value);
  auto stream = open_(channel, &context);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    context_ = &context;
    stream_up_ = true;
    outbox_.clear();
  }
  std::thread writer([this, s = stream.get()] { writerLoop(s); });
  log::info("xds: stream to {} established", spec_.target);
  postToMain([this] { callbacks_.onStreamEstablished(); });

  bool received = false;
  for (;;) {
    auto response = std::make_unique<Response>();
    if (!stream->Read(response.get())) break;
    received = true;
    postToMain([this, r = std::shared_ptr<Response>(response.release())]() mutable {
      callbacks_.onResponse(std::make_unique<Response>(std::move(*r)));
    });
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stream_up_ = false;
    outbox_.clear();
  }
  cv_.notify_all();
  writer.join();
  grpc::Status status = stream->Finish();
  {
    std::lock_guard<std::mutex> lock(mu_);
    context_ = nullptr;
  }
  std::string reason = status.ok() ? "stream ended" : status.error_message();
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    // gRPC's words: "Received message larger than max (N vs. M)".
    log::error(
        "xds: a response from {} is larger than the {} MiB receive limit ({}); it cannot "
        "be applied or NACKed, the stream reconnects with backoff",
        spec_.target, kMaxXdsReceiveMessageBytes >> 20, reason);
    postToMain([this] { callbacks_.onResponseTooLarge(); });
    received = false;  // no backoff reset: the same response would come back at once
  } else {
    log::warn("xds: stream to {} closed: {}", spec_.target, reason);
  }
  postToMain([this, reason] { callbacks_.onStreamClosed(reason); });
  return received;
}

template <typename Request, typename Response>
void XdsStream<Request, Response>::writerLoop(ReaderWriter* stream) {
  for (;;) {
    Request request;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return !outbox_.empty() || !stream_up_ || stopping_; });
      if (!stream_up_ || stopping_) return;
      request = std::move(outbox_.front());
      outbox_.pop_front();
    }
    if (!stream->Write(request)) {
      std::lock_guard<std::mutex> lock(mu_);
      if (context_ != nullptr) context_->TryCancel();
      return;
    }
  }
}

template class XdsStream<DiscoveryRequest, DiscoveryResponse>;
template class XdsStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;

}  // namespace meshproxy::xds
