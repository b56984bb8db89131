#pragma once

#include <memory>

#include "proxy/upstream/conn_pool_base.h"

namespace meshproxy::upstream {

// HTTP/2 connections to one host, on one worker: each connection carries many streams at once,
// up to the peer's SETTINGS_MAX_CONCURRENT_STREAMS (our http2_protocol_options
// max_concurrent_streams until the peer's SETTINGS arrive) and what is left of
// max_requests_per_connection; a new connection opens when those are full (ConnPoolBase). A
// GOAWAY from the peer drains its connection: streams in flight finish there, new ones go to
// another. A stream reset (by either side) ends only that stream; the connection carries on.
class Http2ConnPool : public ConnPoolBase {
 public:
  Http2ConnPool(EventLoop& loop, HostSharedPtr host, ClusterConfigSharedPtr cluster);

 private:
  class Client;
  class PoolStreamImpl;
  std::unique_ptr<ActiveClient> instantiateClient() override;
};

}  // namespace meshproxy::upstream
