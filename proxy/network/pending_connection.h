#pragma once

#include <list>
#include <memory>
#include <string>
#include <vector>

#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/network/connection.h"
#include "proxy/network/listener_config.h"

namespace meshproxy::network {

class ActiveListener;

// A new connection while its listener filters run (original_dst, tls_inspector,
// http_inspector), before it has a filter chain. The filters look at the bytes as they
// arrive without consuming them; the chain later gets them all (buffer and replay). Bounded
// by listener_filters_timeout and by each inspector's byte limit. Only listeners with
// listener filters make one.
class PendingConnection : public ConnectionCallbacks, public DeferredDeletable {
 public:
  PendingConnection(ActiveListener& listener, std::shared_ptr<const ListenerConfig> config,
                    std::unique_ptr<Connection> connection);
  ~PendingConnection() override;

  // Runs the filters over what is already buffered (a handed-off connection has bytes).
  void start();
  std::unique_ptr<Connection> releaseConnection();
  Connection* connection() const { return connection_.get(); }

  // ConnectionCallbacks
  void onData(Buffer& data, bool end_stream) override;
  void onEvent(ConnectionEvent event) override;

  // What the filters found, for filter chain matching.
  std::string server_name;
  std::string transport_protocol;
  std::vector<std::string> application_protocols;
  std::list<std::unique_ptr<PendingConnection>>::iterator position;

 private:
  enum class Outcome { kNeedMore, kDone, kFailed };
  // Runs the filters, from the one that wanted more bytes, over everything received.
  Outcome runFilters(const Buffer& data);
  void onTimeout();
  void finish(bool ok);
  bool httpMayHaveProgressed(const Buffer& data) const;
  // The first `limit` bytes of `data` in one piece (copied only if they span slices).
  std::string_view contiguous(const Buffer& data, size_t limit);

  ActiveListener& listener_;
  std::shared_ptr<const ListenerConfig> config_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<Timer> timer_;
  std::string scratch_;
  size_t next_filter_ = 0;
  size_t tls_bytes_needed_ = 0;
  size_t http_sniffed_bytes_ = 0;
  bool finished_ = false;
};

}  // namespace meshproxy::network
