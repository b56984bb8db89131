#pragma once

#include "proxy/accesslog/stream_info.h"

namespace meshproxy::accesslog {

// Something that wants every finished stream, like an access log but not writing lines: the
// connection manager calls onStreamComplete() right after its access logs, on the worker, with
// the same StreamInfo and the same lifetime rule (views valid only during the call). Native
// Istio metrics are one (istio/istio_stats_observer.h). Immutable and shared by the workers;
// per-thread state, if any, is the implementation's business.
class StreamObserver {
 public:
  virtual ~StreamObserver() = default;
  virtual void onStreamComplete(const StreamInfo& info) const = 0;
};

}  // namespace meshproxy::accesslog
