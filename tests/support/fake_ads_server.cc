#include "tests/support/fake_ads_server.h"

#include <grpcpp/grpcpp.h>

#include "proxy/protobuf/proto_util.h"
#include "proxy/config/yaml_to_json.h"
#include "tests/support/ports.h"

namespace meshproxy::testing {

class FakeAdsServer::Service final
    : public envoy::service::discovery::v3::AggregatedDiscoveryService::Service {
 public:
  grpc::Status StreamAggregatedResources(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<DiscoveryResponse, DiscoveryRequest>* stream) override {
    {
      std::lock_guard<std::mutex> lock(mu);
      current = stream;
      current_context = context;
      ++streams;
    }
    cv.notify_all();
    DiscoveryRequest request;
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

  std::mutex mu;
  std::condition_variable cv;
  grpc::ServerReaderWriter<DiscoveryResponse, DiscoveryRequest>* current = nullptr;
  grpc::ServerContext* current_context = nullptr;
  std::deque<DiscoveryRequest> requests;
  int streams = 0;
  int next_nonce = 1;
};

FakeAdsServer::FakeAdsServer() : service_(std::make_unique<Service>()) {
  int port = pickFreePort();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
}

FakeAdsServer::~FakeAdsServer() {
  closeStream();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

std::optional<DiscoveryRequest> FakeAdsServer::waitRequest(const std::string& type_url,
                                                           absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(service_->mu);
  auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  for (;;) {
    for (auto it = service_->requests.begin(); it != service_->requests.end(); ++it) {
      if (type_url.empty() || it->type_url() == type_url) {
        DiscoveryRequest r = *it;
        service_->requests.erase(it);
        return r;
      }
    }
    if (service_->cv.wait_until(lock, deadline) == std::cv_status::timeout) return std::nullopt;
  }
}

std::string FakeAdsServer::respond(const std::string& type_url, const std::string& version,
                                   const std::vector<google::protobuf::Any>& resources) {
  std::lock_guard<std::mutex> lock(service_->mu);
  if (service_->current == nullptr) return "";
  DiscoveryResponse response;
  response.set_type_url(type_url);
  response.set_version_info(version);
  std::string nonce = "n" + std::to_string(service_->next_nonce++);
  response.set_nonce(nonce);
  for (const auto& r : resources) *response.add_resources() = r;
  service_->current->Write(response);
  return nonce;
}

bool FakeAdsServer::waitForStream(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(service_->mu);
  return service_->cv.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                               [this] { return service_->current != nullptr; });
}

void FakeAdsServer::closeStream() {
  std::unique_lock<std::mutex> lock(service_->mu);
  if (service_->current_context != nullptr) service_->current_context->TryCancel();
  service_->cv.wait_for(lock, std::chrono::seconds(5), [this] { return service_->current == nullptr; });
  service_->requests.clear();
}

int FakeAdsServer::streamsSeen() const {
  std::lock_guard<std::mutex> lock(service_->mu);
  return service_->streams;
}

google::protobuf::Any anyFromYaml(const std::string& yaml) {
  google::protobuf::Any any;
  auto json = config::yamlToJson(yaml);
  if (json.ok()) (void)protobuf::jsonToMessage(*json, &any);
  return any;
}

}  // namespace meshproxy::testing
