#include "tests/support/fake_ads_server.h"

#include <grpcpp/grpcpp.h>

#include "envoy/service/secret/v3/sds.grpc.pb.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/protobuf/proto_util.h"
#include "tests/support/ports.h"

namespace meshproxy::testing {

// What every service shares: the current stream (SotW or delta), and requests in arrival order.
class FakeAdsServer::State {
 public:
  template <typename Response, typename Request>
  grpc::Status serve(grpc::ServerContext* context,
                     grpc::ServerReaderWriter<Response, Request>* stream, std::string method,
                     std::deque<Request>& requests,
                     grpc::ServerReaderWriter<Response, Request>*& current) {
    {
      std::lock_guard<std::mutex> lock(mu);
      current = stream;
      current_context = context;
      last_method = std::move(method);
      last_metadata.clear();
      for (const auto& [key, value] : context->client_metadata())
        last_metadata.emplace(std::string(key.data(), key.size()),
                              std::string(value.data(), value.size()));
      ++streams;
    }
    cv.notify_all();
    Request request;
    while (stream->Read(&request)) {
      std::lock_guard<std::mutex> lock(mu);
      requests.push_back(request);
      cv.notify_all();
    }
    std::lock_guard<std::mutex> lock(mu);
    if (current == stream) {
      current = nullptr;
      current_context = nullptr;
    }
    cv.notify_all();
    return grpc::Status::OK;
  }

  template <typename Request>
  std::optional<Request> wait(std::deque<Request>& queue, const std::string& type_url,
                              absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu);
    auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
    for (;;) {
      for (auto it = queue.begin(); it != queue.end(); ++it) {
        if (type_url.empty() || it->type_url() == type_url) {
          Request r = *it;
          queue.erase(it);
          return r;
        }
      }
      if (cv.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
    }
  }

  bool anyStream() const { return sotw != nullptr || delta != nullptr; }

  std::mutex mu;
  std::condition_variable cv;
  grpc::ServerReaderWriter<DiscoveryResponse, DiscoveryRequest>* sotw = nullptr;
  grpc::ServerReaderWriter<DeltaDiscoveryResponse, DeltaDiscoveryRequest>* delta = nullptr;
  grpc::ServerContext* current_context = nullptr;
  std::deque<DiscoveryRequest> requests;
  std::deque<DeltaDiscoveryRequest> delta_requests;
  std::string last_method;
  std::multimap<std::string, std::string> last_metadata;
  int streams = 0;
  int next_nonce = 1;
};

class FakeAdsServer::AdsService final
    : public envoy::service::discovery::v3::AggregatedDiscoveryService::Service {
 public:
  explicit AdsService(State& state) : state_(state) {}
  grpc::Status StreamAggregatedResources(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<DiscoveryResponse, DiscoveryRequest>* stream) override {
    return state_.serve(context, stream, "StreamAggregatedResources", state_.requests,
                        state_.sotw);
  }
  grpc::Status DeltaAggregatedResources(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<DeltaDiscoveryResponse, DeltaDiscoveryRequest>* stream) override {
    return state_.serve(context, stream, "DeltaAggregatedResources", state_.delta_requests,
                        state_.delta);
  }

 private:
  State& state_;
};

class FakeAdsServer::SdsService final
    : public envoy::service::secret::v3::SecretDiscoveryService::Service {
 public:
  explicit SdsService(State& state) : state_(state) {}
  grpc::Status StreamSecrets(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<DiscoveryResponse, DiscoveryRequest>* stream) override {
    return state_.serve(context, stream, "StreamSecrets", state_.requests, state_.sotw);
  }

 private:
  State& state_;
};

FakeAdsServer::FakeAdsServer(std::string listen)
    : state_(std::make_unique<State>()),
      ads_(std::make_unique<AdsService>(*state_)),
      sds_(std::make_unique<SdsService>(*state_)) {
  grpc::ServerBuilder builder;
  int bound = 0;
  if (listen.empty()) {
    int port = pickFreePort();
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureServerCredentials(), &port_);
  } else {
    builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &bound);
  }
  builder.RegisterService(ads_.get());
  builder.RegisterService(sds_.get());
  server_ = builder.BuildAndStart();
}

FakeAdsServer::~FakeAdsServer() {
  closeStream();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

std::optional<DiscoveryRequest> FakeAdsServer::waitRequest(const std::string& type_url,
                                                           absl::Duration timeout) {
  return state_->wait(state_->requests, type_url, timeout);
}

std::optional<DeltaDiscoveryRequest> FakeAdsServer::waitDeltaRequest(const std::string& type_url,
                                                                     absl::Duration timeout) {
  return state_->wait(state_->delta_requests, type_url, timeout);
}

std::string FakeAdsServer::respond(const std::string& type_url, const std::string& version,
                                   const std::vector<google::protobuf::Any>& resources) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->sotw == nullptr) return "";
  DiscoveryResponse response;
  response.set_type_url(type_url);
  response.set_version_info(version);
  std::string nonce = "n" + std::to_string(state_->next_nonce++);
  response.set_nonce(nonce);
  for (const auto& r : resources) *response.add_resources() = r;
  state_->sotw->Write(response);
  return nonce;
}

std::string FakeAdsServer::respondDelta(const std::string& type_url,
                                        const std::string& system_version,
                                        const std::vector<DeltaResource>& resources,
                                        const std::vector<std::string>& removed) {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->delta == nullptr) return "";
  DeltaDiscoveryResponse response;
  response.set_type_url(type_url);
  response.set_system_version_info(system_version);
  std::string nonce = "d" + std::to_string(state_->next_nonce++);
  response.set_nonce(nonce);
  for (const auto& r : resources) {
    auto* resource = response.add_resources();
    resource->set_name(r.name);
    resource->set_version(r.version);
    *resource->mutable_resource() = r.body;
  }
  for (const auto& name : removed) response.add_removed_resources(name);
  state_->delta->Write(response);
  return nonce;
}

bool FakeAdsServer::waitForStream(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(state_->mu);
  return state_->cv.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                             [this] { return state_->anyStream(); });
}

void FakeAdsServer::closeStream() {
  std::unique_lock<std::mutex> lock(state_->mu);
  if (state_->current_context != nullptr) state_->current_context->TryCancel();
  state_->cv.wait_for(lock, std::chrono::seconds(5), [this] { return !state_->anyStream(); });
  state_->requests.clear();
  state_->delta_requests.clear();
}

int FakeAdsServer::streamsSeen() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->streams;
}

std::string FakeAdsServer::lastMethod() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->last_method;
}

std::multimap<std::string, std::string> FakeAdsServer::lastMetadata() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->last_metadata;
}

google::protobuf::Any anyFromYaml(const std::string& yaml) {
  google::protobuf::Any any;
  auto json = config::yamlToJson(yaml);
  if (json.ok()) (void)protobuf::jsonToMessage(*json, &any);
  return any;
}

}  // namespace meshproxy::testing
