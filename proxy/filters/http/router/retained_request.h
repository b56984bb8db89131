#pragma once

#include <cstdint>

#include "proxy/core/buffer.h"
#include "proxy/http/header_map.h"
#include "proxy/upstream/conn_pool.h"

namespace meshproxy::upstream {
class UpstreamRequest;
}

namespace meshproxy::filters::router {

using upstream::UpstreamRequest;

// What the router has sent upstream, kept so that another attempt (a retry or a hedge, issue
// 13) can send the same request again: the request body, copied as it goes up, up to the
// buffer limit. A body that outgrows the limit makes the request not retriable and what was
// kept is dropped. Headers
// and trailers need no copy: the stream owns them until it ends.
//
// Keeping costs a copy of each body byte, so the limit is the buffer limit only when a retry
// policy applies; otherwise it is 0: a request without a body stays replayable (the
// keep-alive race) and nothing is ever copied.
class RetainedRequest {
 public:
  // A retry could follow: keep the body from now on, up to `limit` bytes.
  void enable(uint32_t limit) {
    enabled_ = true;
    limit_ = limit;
  }
  bool enabled() const { return enabled_; }

  // The router sends `data` upstream: keep a copy while that is possible.
  void addBody(const Buffer& data);
  // The whole request arrived (end of stream, with or without trailers).
  void setComplete(const http::HeaderMap* trailers) {
    complete_ = true;
    trailers_ = trailers;
  }

  // Another attempt can send exactly what the first one was sent.
  bool retriable() const { return enabled_ && !overflowed_; }
  const Buffer& body() const { return body_; }
  bool complete() const { return complete_; }

  // Starts `attempt` on `pool` with the kept request: the headers, a copy of the body and the
  // trailers, as far as the downstream has sent them (the rest follows as it arrives).
  // Requires retriable().
  void replay(UpstreamRequest& attempt, upstream::ConnPool& pool,
              const http::HeaderMap& headers) const;

 private:
  Buffer body_;
  const http::HeaderMap* trailers_ = nullptr;
  uint32_t limit_ = 0;
  bool enabled_ = false;
  bool overflowed_ = false;
  bool complete_ = false;
};

}  // namespace meshproxy::filters::router
