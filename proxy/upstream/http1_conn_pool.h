#pragma once

#include <memory>

#include "proxy/upstream/conn_pool_base.h"

namespace meshproxy::upstream {

// HTTP/1.1 connections to one host, on one worker: one stream at a time per connection,
// keep-alive connections reused while the codec says they are clean; a connection retires
// after max_requests_per_connection requests or idle_timeout without use (ConnPoolBase).
class Http1ConnPool : public ConnPoolBase {
 public:
  Http1ConnPool(EventLoop& loop, HostSharedPtr host, ClusterConfigSharedPtr cluster,
                ResourcePriority priority = ResourcePriority::kDefault);

 private:
  class Client;
  std::unique_ptr<ActiveClient> instantiateClient() override;
};

}  // namespace meshproxy::upstream
