// The gRPC discovery services mesh-control serves, State of the World and delta: ADS
// (StreamAggregatedResources, DeltaAggregatedResources) and the single-type services a
// sidecar's api_config_source calls (SDS StreamSecrets/DeltaSecrets, LDS, CDS). Each call is
// one DiscoveryStream; StreamRegistry keeps them so shutdown can end them all.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/synchronization/mutex.h"
#include "envoy/service/cluster/v3/cds.grpc.pb.h"
#include "envoy/service/discovery/v3/ads.grpc.pb.h"
#include "envoy/service/listener/v3/lds.grpc.pb.h"
#include "envoy/service/secret/v3/sds.grpc.pb.h"
#include "xds/server/discovery_stream.h"

namespace meshproxy::xds_server {

using SotwReaderWriter = SotwStream::ReaderWriter;
using DeltaReaderWriter = DeltaStream::ReaderWriter;

class StreamRegistry {
 public:
  StreamRegistry(SnapshotStore& store, NodeRegistry& registry) : store_(store), registry_(registry) {}

  // Runs one stream to its end. `only_type` empty: ADS.
  template <typename TypeState>
  grpc::Status serve(grpc::ServerContext* context,
                     typename DiscoveryStream<TypeState>::ReaderWriter* stream,
                     std::string only_type, std::string method);

  // Ends every open stream and refuses new ones, so that Server::Shutdown() returns promptly
  // instead of waiting out its deadline on streams that never end by themselves.
  void cancelAll();

 private:
  SnapshotStore& store_;
  NodeRegistry& registry_;
  std::atomic<uint64_t> next_stream_id_{1};
  absl::Mutex mu_;
  std::map<uint64_t, std::function<void()>> cancels_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

class AdsService final : public envoy::service::discovery::v3::AggregatedDiscoveryService::Service {
 public:
  explicit AdsService(StreamRegistry& streams) : streams_(streams) {}
  grpc::Status StreamAggregatedResources(grpc::ServerContext* context,
                                         SotwReaderWriter* stream) override;
  grpc::Status DeltaAggregatedResources(grpc::ServerContext* context,
                                        DeltaReaderWriter* stream) override;

 private:
  StreamRegistry& streams_;
};

class SdsService final : public envoy::service::secret::v3::SecretDiscoveryService::Service {
 public:
  explicit SdsService(StreamRegistry& streams) : streams_(streams) {}
  grpc::Status StreamSecrets(grpc::ServerContext* context, SotwReaderWriter* stream) override;
  grpc::Status DeltaSecrets(grpc::ServerContext* context, DeltaReaderWriter* stream) override;

 private:
  StreamRegistry& streams_;
};

class LdsService final : public envoy::service::listener::v3::ListenerDiscoveryService::Service {
 public:
  explicit LdsService(StreamRegistry& streams) : streams_(streams) {}
  grpc::Status StreamListeners(grpc::ServerContext* context, SotwReaderWriter* stream) override;
  grpc::Status DeltaListeners(grpc::ServerContext* context, DeltaReaderWriter* stream) override;

 private:
  StreamRegistry& streams_;
};

class CdsService final : public envoy::service::cluster::v3::ClusterDiscoveryService::Service {
 public:
  explicit CdsService(StreamRegistry& streams) : streams_(streams) {}
  grpc::Status StreamClusters(grpc::ServerContext* context, SotwReaderWriter* stream) override;
  grpc::Status DeltaClusters(grpc::ServerContext* context, DeltaReaderWriter* stream) override;

 private:
  StreamRegistry& streams_;
};

// Every service above on one StreamRegistry: what mesh-control registers.
struct DiscoveryServices {
  DiscoveryServices(SnapshotStore& store, NodeRegistry& registry) : streams(store, registry) {}
  void registerWith(grpc::ServerBuilder& builder);
  void cancelAll() { streams.cancelAll(); }

  StreamRegistry streams;
  AdsService ads{streams};
  SdsService sds{streams};
  LdsService lds{streams};
  CdsService cds{streams};
};

}  // namespace meshproxy::xds_server
