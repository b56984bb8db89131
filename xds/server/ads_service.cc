#include "xds/server/ads_service.h"

#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {

template <typename TypeState>
grpc::Status StreamRegistry::serve(grpc::ServerContext* context,
                                   typename DiscoveryStream<TypeState>::ReaderWriter* stream,
                                   std::string only_type, std::string method) {
  uint64_t id = next_stream_id_.fetch_add(1);
  DiscoveryStream<TypeState> served(id, context, stream, store_, registry_, std::move(only_type),
                                    std::move(method));
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "mesh-control is shutting down");
    }
    cancels_[id] = [&served] { served.cancel(); };
  }
  grpc::Status status = served.run();
  absl::MutexLock lock(&mu_);
  cancels_.erase(id);
  return status;
}

void StreamRegistry::cancelAll() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  for (auto& [id, cancel] : cancels_) cancel();
}

grpc::Status AdsService::StreamAggregatedResources(grpc::ServerContext* context,
                                                   SotwReaderWriter* stream) {
  return streams_.serve<SotwTypeState>(context, stream, "", "StreamAggregatedResources");
}
grpc::Status AdsService::DeltaAggregatedResources(grpc::ServerContext* context,
                                                  DeltaReaderWriter* stream) {
  return streams_.serve<DeltaTypeState>(context, stream, "", "DeltaAggregatedResources");
}

grpc::Status SdsService::StreamSecrets(grpc::ServerContext* context, SotwReaderWriter* stream) {
  return streams_.serve<SotwTypeState>(context, stream, std::string(kSecretType), "StreamSecrets");
}
grpc::Status SdsService::DeltaSecrets(grpc::ServerContext* context, DeltaReaderWriter* stream) {
  return streams_.serve<DeltaTypeState>(context, stream, std::string(kSecretType), "DeltaSecrets");
}

grpc::Status LdsService::StreamListeners(grpc::ServerContext* context, SotwReaderWriter* stream) {
  return streams_.serve<SotwTypeState>(context, stream, std::string(kListenerType),
                                       "StreamListeners");
}
grpc::Status LdsService::DeltaListeners(grpc::ServerContext* context, DeltaReaderWriter* stream) {
  return streams_.serve<DeltaTypeState>(context, stream, std::string(kListenerType),
                                        "DeltaListeners");
}

grpc::Status CdsService::StreamClusters(grpc::ServerContext* context, SotwReaderWriter* stream) {
  return streams_.serve<SotwTypeState>(context, stream, std::string(kClusterType),
                                       "StreamClusters");
}
grpc::Status CdsService::DeltaClusters(grpc::ServerContext* context, DeltaReaderWriter* stream) {
  return streams_.serve<DeltaTypeState>(context, stream, std::string(kClusterType),
                                        "DeltaClusters");
}

void DiscoveryServices::registerWith(grpc::ServerBuilder& builder) {
  builder.RegisterService(&ads);
  builder.RegisterService(&sds);
  builder.RegisterService(&lds);
  builder.RegisterService(&cds);
}

}  // namespace meshproxy::xds_server
