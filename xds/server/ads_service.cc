#include "xds/server/ads_service.h"

namespace meshproxy::xds_server {

AdsService::AdsService(SnapshotStore& store, NodeRegistry& registry)
    : store_(store), registry_(registry) {}

grpc::Status AdsService::StreamAggregatedResources(grpc::ServerContext* context,
                                                   AdsReaderWriter* stream) {
  AdsStream ads(next_stream_id_.fetch_add(1), context, stream, store_, registry_);
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "mesh-control is shutting down");
    }
    streams_.insert(&ads);
  }
  grpc::Status status = ads.run();
  absl::MutexLock lock(&mu_);
  streams_.erase(&ads);
  return status;
}

void AdsService::cancelAll() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  for (AdsStream* stream : streams_) stream->cancel();
}

}  // namespace meshproxy::xds_server
