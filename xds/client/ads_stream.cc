#include "xds/client/ads_stream.h"

#include <grpcpp/grpcpp.h>

#include <random>

#include "proxy/core/log.h"

namespace meshproxy::xds {

namespace {
constexpr std::chrono::milliseconds kInitialBackoff{500};
constexpr std::chrono::milliseconds kMaxBackoff{30000};
}  // namespace

AdsStream::AdsStream(std::string target, EventLoop& main_loop, Callbacks& callbacks)
    : target_(std::move(target)), main_loop_(main_loop), callbacks_(callbacks) {}

AdsStream::~AdsStream() {
  alive_.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (context_ != nullptr) context_->TryCancel();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AdsStream::postToMain(std::function<void()> fn) {
  main_loop_.post([alive = std::weak_ptr<int>(alive_), fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

void AdsStream::start() {
  thread_ = std::thread([this] { run(); });
}

void AdsStream::send(DiscoveryRequest request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stream_up_) return;
    outbox_.push_back(std::move(request));
  }
  cv_.notify_all();
}

void AdsStream::sleepInterruptibly(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, duration, [this] { return stopping_; });
}

void AdsStream::run() {
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
    log::info("xds: reconnecting to {} in {} ms", target_, delay.count());
    sleepInterruptibly(delay);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

bool AdsStream::runOneStream() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  auto channel = grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args);
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
  auto stub = envoy::service::discovery::v3::AggregatedDiscoveryService::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->StreamAggregatedResources(&context);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    context_ = &context;
    stream_up_ = true;
    outbox_.clear();
  }
  std::thread writer([this, s = stream.get()] { writerLoop(s); });
  log::info("xds: ADS stream to {} established", target_);
  postToMain([this] { callbacks_.onStreamEstablished(); });

  bool received = false;
  for (;;) {
    auto response = std::make_unique<DiscoveryResponse>();
    if (!stream->Read(response.get())) break;
    received = true;
    postToMain([this, r = std::shared_ptr<DiscoveryResponse>(response.release())]() mutable {
      callbacks_.onDiscoveryResponse(std::make_unique<DiscoveryResponse>(std::move(*r)));
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
        target_, kMaxReceiveMessageBytes >> 20, reason);
    postToMain([this] { callbacks_.onResponseTooLarge(); });
    received = false;  // no backoff reset: the same response would come back at once
  } else {
    log::warn("xds: ADS stream to {} closed: {}", target_, reason);
  }
  postToMain([this, reason] { callbacks_.onStreamClosed(reason); });
  return received;
}

void AdsStream::writerLoop(grpc::ClientReaderWriter<DiscoveryRequest, DiscoveryResponse>* stream) {
  for (;;) {
    DiscoveryRequest request;
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

}  // namespace meshproxy::xds
