#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/http/codec.h"
#include "proxy/network/connection.h"
#include "proxy/upstream/cluster_config.h"

// Connection pools: the streams a worker opens to one host. The router asks the pool of a
// (host, protocol, transport options) key for a stream and holds a PoolHandle on it; HTTP/1
// (one stream per connection) implements it now, a multiplexed HTTP/2 pool later, both on
// ConnPoolBase's stream-capacity accounting.
namespace meshproxy::upstream {

enum class PoolFailureReason { kConnectionFailure, kConnectTimeout, kOverflow };

// What identifies a pool of a host: requests that differ in any of these cannot share
// connections.
struct PoolKey {
  http::Protocol protocol = http::Protocol::kHttp11;
  // Per-request transport socket options (SNI or ALPN override, SAN verification override)
  // once the router sets them, as a hash; 0: the cluster's own transport socket.
  uint64_t transport_options = 0;
  // The route's priority: which circuit-breaker thresholds and counters the pool's
  // connections and requests use (Envoy keeps a pool per priority too).
  ResourcePriority priority = ResourcePriority::kDefault;
  bool operator==(const PoolKey&) const = default;
};

// A stream a pool handed out: the owner writes the request through encoder() and hears the
// response on the decoder it gave newStream(), and the stream's events on the callbacks it
// adds to encoder().stream().
class PoolStream {
 public:
  virtual http::RequestEncoder& encoder() = 0;
  virtual const network::Connection& connection() const = 0;
  // The connection carried an earlier stream before this one (a pooled keep-alive
  // connection): if it closes before any response, the upstream most likely closed it as
  // idle before it saw the request (the keep-alive race).
  virtual bool reusedConnection() const { return false; }

 protected:
  ~PoolStream() = default;
};

class PoolCallbacks {
 public:
  virtual ~PoolCallbacks() = default;
  // The handle now holds `stream`.
  virtual void onPoolReady(PoolStream& stream) = 0;
  // No stream; the handle is empty.
  virtual void onPoolFailure(PoolFailureReason reason, std::string_view details) = 0;
};

class PoolHandle;

// The pool's side of a PoolHandle (a waiting request, or a stream).
class PoolHandleTarget {
 public:
  PoolHandleTarget() = default;
  PoolHandleTarget(const PoolHandleTarget&) = delete;
  PoolHandleTarget& operator=(const PoolHandleTarget&) = delete;

 protected:
  ~PoolHandleTarget() { unbind(); }
  void bind(PoolHandle& handle, PoolStream* stream);
  // Empties the bound handle, if any, without telling its owner.
  void unbind();
  bool bound() const { return handle_ != nullptr; }
  // The owner dropped or cancelled the handle.
  virtual void onHandleCancelled() = 0;

 private:
  friend class PoolHandle;
  PoolHandle* handle_ = nullptr;
};

// The owner's end of a stream it asked a pool for: pending until onPoolReady or
// onPoolFailure, then holding the stream until the stream ends. Not movable: the pool points
// at it. The pool empties it when the stream ends normally (after the response's last decoder
// callback returned) and when the connection closes (before the close reaches the owner as a
// reset or as the end of a close-delimited body). A reset the codec reports while the
// connection is still open (a protocol error) reaches the owner's onResetStream first: the
// stream is over then too, and the owner calls release(). So stream() never dangles.
class PoolHandle {
 public:
  PoolHandle() = default;
  ~PoolHandle() { cancel(); }
  PoolHandle(const PoolHandle&) = delete;
  PoolHandle& operator=(const PoolHandle&) = delete;

  bool empty() const { return target_ == nullptr; }
  bool pending() const { return target_ != nullptr && stream_ == nullptr; }
  // The stream, once ready; null while pending or once it ended.
  PoolStream* stream() const { return stream_; }

  // Gives up: a waiting request leaves the queue (no callback follows); a stream is reset
  // (HTTP/1: its connection closes, there is no other way). Remove your StreamCallbacks
  // from the stream first: the pool tells the owner nothing more. Empty: no-op.
  void cancel();
  // The owner is done with a stream that completed normally (the whole response arrived):
  // forget it without a reset, so the connection can be reused.
  void release();

 private:
  friend class PoolHandleTarget;
  PoolHandleTarget* target_ = nullptr;
  PoolStream* stream_ = nullptr;
};

// The pool of one (host, key) on one worker.
class ConnPool {
 public:
  virtual ~ConnPool() = default;
  // Binds `handle` to a new stream: ready at once (callbacks.onPoolReady runs before this
  // returns) or pending until onPoolReady or onPoolFailure. The decoder and callbacks must
  // stay valid while the handle is not empty.
  virtual void newStream(http::ResponseDecoder& decoder, PoolCallbacks& callbacks,
                         PoolHandle& handle) = 0;
  virtual const PoolKey& key() const = 0;
  virtual const Host& host() const = 0;
  // A newer config of the same cluster: new connections use its settings.
  virtual void updateCluster(ClusterConfigSharedPtr cluster) = 0;
  // The host left the cluster: close idle connections now and the others when their
  // streams end; waiting requests still get connections.
  virtual void drainConnections() = 0;
  // Closes the connections that carry no stream now (the keep-alive race: one of them was
  // found closed by the upstream, the others idled as long and are suspect too).
  virtual void closeIdleConnections() = 0;
  virtual size_t connectionCount() const = 0;
  virtual size_t pendingCount() const = 0;
};

}  // namespace meshproxy::upstream
