// The gRPC AggregatedDiscoveryService: State-of-the-World ADS, one AdsStream per call.
// DeltaAggregatedResources is not overridden, so the generated base answers UNIMPLEMENTED.
#pragma once

#include <atomic>
#include <cstdint>
#include <set>

#include "absl/synchronization/mutex.h"
#include "envoy/service/discovery/v3/ads.grpc.pb.h"
#include "xds/server/ads_stream.h"

namespace meshproxy::xds_server {

class AdsService final : public envoy::service::discovery::v3::AggregatedDiscoveryService::Service {
 public:
  AdsService(SnapshotStore& store, NodeRegistry& registry);

  grpc::Status StreamAggregatedResources(grpc::ServerContext* context,
                                         AdsReaderWriter* stream) override;

  // Ends every open stream and refuses new ones, so that Server::Shutdown() returns promptly
  // instead of waiting out its deadline on streams that never end by themselves.
  void cancelAll();

 private:
  SnapshotStore& store_;
  NodeRegistry& registry_;
  std::atomic<uint64_t> next_stream_id_{1};
  absl::Mutex mu_;
  std::set<AdsStream*> streams_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace meshproxy::xds_server
