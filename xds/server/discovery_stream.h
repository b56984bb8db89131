// One xDS stream served by mesh-control: ADS (every type on one stream) or one type's own
// discovery service (SDS, LDS, CDS), State of the World or delta. The protocol of each type is
// a TypeState (SotwTypeState or DeltaTypeState: they classify requests and decide responses);
// this class moves messages. The gRPC handler thread reads requests and applies them to the
// per-type state; a writer thread per stream computes and writes responses, woken by a
// condition variable when a request needs an answer or the resource source changes.
// (grpc++'s synchronous API allows one reader and one writer at a time.) All per-type state is
// guarded by one mutex; writes happen outside it.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/sync_stream.h>

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "envoy/config/core/v3/base.pb.h"
#include "xds/server/delta_type_state.h"
#include "xds/server/node_registry.h"
#include "xds/server/snapshot_store.h"
#include "xds/server/sotw_type_state.h"

namespace meshproxy::xds_server {

template <typename TypeState>
class DiscoveryStream {
 public:
  using Request = typename TypeState::Request;
  using Response = typename TypeState::Response;
  using ReaderWriter = grpc::ServerReaderWriter<Response, Request>;

  // `only_type`: a single-type service's type (requests may leave type_url out); empty for
  // ADS, where every request names its type. `method` names the RPC for /nodes and logs.
  DiscoveryStream(uint64_t id, grpc::ServerContext* context, ReaderWriter* stream,
                  SnapshotStore& store, NodeRegistry& registry, std::string only_type,
                  std::string method);
  DiscoveryStream(const DiscoveryStream&) = delete;
  DiscoveryStream& operator=(const DiscoveryStream&) = delete;

  // Serves the stream until the client closes it, it fails, or cancel(). Runs on the gRPC
  // handler thread; returns the status to end the RPC with.
  grpc::Status run();

  // Thread-safe: ends the stream (server shutdown). The client sees CANCELLED.
  void cancel();

 private:
  grpc::Status handleRequest(const Request& request);
  void writeLoop();  // the writer thread
  void writeUntilDone();
  void wake();
  // Under mu_: the responses due for `types` given `current`; records them as sent.
  std::vector<Response> collectResponses(const std::set<std::string>& types,
                                         const SnapshotStore::Current& current);
  std::string logName() const;

  const uint64_t id_;
  grpc::ServerContext* const context_;
  ReaderWriter* const stream_;
  SnapshotStore& store_;
  NodeRegistry& registry_;
  const std::string only_type_;
  const std::string method_;
  envoy::config::core::v3::Node node_;  // from the first request; fixed afterwards

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, TypeState> types_;  // guarded by mu_
  std::set<std::string> dirty_;             // types a request asks to evaluate; mu_
  bool source_changed_ = false;             // mu_
  uint64_t seen_generation_ = 0;            // mu_
  bool done_ = false;                       // mu_: the reader has finished
  bool writer_done_ = false;                // mu_
};

using SotwStream = DiscoveryStream<SotwTypeState>;
using DeltaStream = DiscoveryStream<DeltaTypeState>;
extern template class DiscoveryStream<SotwTypeState>;
extern template class DiscoveryStream<DeltaTypeState>;

}  // namespace meshproxy::xds_server
