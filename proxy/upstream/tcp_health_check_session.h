#pragma once

#include <memory>
#include <string>
#include <vector>

#include "proxy/network/connection.h"
#include "proxy/upstream/health_check_connection.h"
#include "proxy/upstream/health_check_session.h"

namespace meshproxy::upstream {

// The TCP health check of one host (Envoy's TcpActiveHealthCheckSession): connect (or reuse
// the connection), write `send`; with nothing to receive, a completed connect is a success
// (and the connection is closed); otherwise success once every `receive` block appears, in
// order, in what was read (bytes read accumulate across reads until they match). A close
// while a check is in flight is a NETWORK failure.
class TcpHealthCheckSession : public HealthCheckSession, private network::ConnectionCallbacks {
 public:
  TcpHealthCheckSession(HealthChecker& parent, HostSharedPtr host);
  ~TcpHealthCheckSession() override;

  // Envoy's TcpHealthCheckMatcher::match: each block found after the previous one.
  static bool matches(const std::vector<std::string>& blocks, std::string_view data);

 private:
  void onInterval() override;
  void onTimeout() override;
  void onData(Buffer& data, bool end_stream) override;
  void onEvent(network::ConnectionEvent event) override;
  void closeConnection();

  std::unique_ptr<HealthCheckConnection> client_;
  std::string received_;
  bool in_flight_ = false;
};

}  // namespace meshproxy::upstream
