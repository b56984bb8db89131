// One ADS State-of-the-World stream. The gRPC handler thread reads requests and applies them
// to the per-type protocol state; a writer thread per stream computes and writes responses,
// woken by a condition variable when a request needs an answer or the resource source
// changes. (grpc++'s synchronous API allows one reader and one writer at a time.) All per-type
// state is guarded by one mutex; writes happen outside it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "envoy/config/core/v3/base.pb.h"
#include "envoy/service/discovery/v3/ads.grpc.pb.h"
#include "envoy/service/discovery/v3/discovery.pb.h"
#include "xds/server/node_registry.h"
#include "xds/server/snapshot_store.h"
#include "xds/server/sotw_type_state.h"

namespace meshproxy::xds_server {

using DiscoveryRequest = envoy::service::discovery::v3::DiscoveryRequest;
using DiscoveryResponse = envoy::service::discovery::v3::DiscoveryResponse;
using AdsReaderWriter = grpc::ServerReaderWriter<DiscoveryResponse, DiscoveryRequest>;

class AdsStream {
 public:
  AdsStream(uint64_t id, grpc::ServerContext* context, AdsReaderWriter* stream,
            SnapshotStore& store, NodeRegistry& registry);
  AdsStream(const AdsStream&) = delete;
  AdsStream& operator=(const AdsStream&) = delete;

  // Serves the stream until the client closes it, it fails, or cancel(). Runs on the gRPC
  // handler thread; returns the status to end the RPC with.
  grpc::Status run();

  // Thread-safe: ends the stream (server shutdown). The client sees CANCELLED.
  void cancel();

 private:
  grpc::Status handleRequest(const DiscoveryRequest& request);
  void writeLoop();  // the writer thread
  void writeUntilDone();
  void wake();
  // Under mu_: the responses due for `types` given `current`; records them as sent.
  std::vector<DiscoveryResponse> collectResponses(const std::set<std::string>& types,
                                                  const SnapshotStore::Current& current);
  std::string logName() const;

  const uint64_t id_;
  grpc::ServerContext* const context_;
  AdsReaderWriter* const stream_;
  SnapshotStore& store_;
  NodeRegistry& registry_;
  envoy::config::core::v3::Node node_;  // from the first request; fixed afterwards

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, SotwTypeState> types_;  // guarded by mu_
  std::set<std::string> dirty_;                 // types a request asks to evaluate; mu_
  bool source_changed_ = false;                 // mu_
  uint64_t seen_generation_ = 0;                // mu_
  bool done_ = false;                           // mu_: the reader has finished
  bool writer_done_ = false;                    // mu_
};

}  // namespace meshproxy::xds_server
