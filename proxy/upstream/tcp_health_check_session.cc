#include "proxy/upstream/tcp_health_check_session.h"

#include "proxy/upstream/health_checker.h"

namespace meshproxy::upstream {

namespace {
// What a check keeps of unmatched input (a peer that talks without matching is not a sink).
constexpr size_t kMaxReceived = 64 * 1024;
}  // namespace

TcpHealthCheckSession::TcpHealthCheckSession(HealthChecker& parent, HostSharedPtr host)
    : HealthCheckSession(parent, std::move(host)) {}

TcpHealthCheckSession::~TcpHealthCheckSession() {
  in_flight_ = false;
  closeConnection();
}

bool TcpHealthCheckSession::matches(const std::vector<std::string>& blocks, std::string_view data) {
  size_t start = 0;
  for (const auto& block : blocks) {
    size_t at = data.find(block, start);
    if (at == std::string_view::npos) return false;
    start = at + block.size();
  }
  return true;
}

void TcpHealthCheckSession::closeConnection() {
  HealthCheckConnection::release(parent_.loop(), client_);
}

void TcpHealthCheckSession::onInterval() {
  in_flight_ = true;
  received_.clear();
  if (client_ == nullptr) {
    client_ =
        std::make_unique<HealthCheckConnection>(parent_.loop(), parent_.cluster(), *host_,
                                                static_cast<network::ConnectionCallbacks&>(*this));
    // A payload check may want the peer to answer and then close on its own.
    client_->connection->enableHalfClose(true);
  }
  if (!parent_.config().send.empty()) {
    Buffer data;
    data.add(parent_.config().send);
    client_->connection->write(data, false);
  }
  // A connect-only check on a reused connection: nothing will happen on the socket, the open
  // connection is the answer.
  if (parent_.config().receive.empty() && !client_->connection->connecting() &&
      client_->connection->isOpen()) {
    in_flight_ = false;
    if (!parent_.config().reuse_connection) closeConnection();
    handleSuccess();
  }
}

void TcpHealthCheckSession::onTimeout() {
  in_flight_ = false;
  closeConnection();
}

void TcpHealthCheckSession::onData(Buffer& data, bool end_stream) {
  if (in_flight_ && received_.size() + data.length() <= kMaxReceived) {
    received_ += data.toString();
  }
  data.clear();
  if (in_flight_ && !parent_.config().receive.empty() &&
      matches(parent_.config().receive, received_)) {
    in_flight_ = false;
    received_.clear();
    if (!parent_.config().reuse_connection || end_stream) closeConnection();
    handleSuccess();
    return;
  }
  if (end_stream) {
    // The peer is done talking and nothing matched.
    bool failed = in_flight_;
    in_flight_ = false;
    closeConnection();
    if (failed) handleFailure(HealthCheckFailureType::kNetwork);
  }
}

void TcpHealthCheckSession::onEvent(network::ConnectionEvent event) {
  if (event == network::ConnectionEvent::kConnected) {
    if (in_flight_ && parent_.config().receive.empty()) {
      // Envoy: a connect-only check succeeds on connect and closes the connection.
      in_flight_ = false;
      closeConnection();
      handleSuccess();
    }
    return;
  }
  bool failed = in_flight_;
  in_flight_ = false;
  closeConnection();
  if (failed) handleFailure(HealthCheckFailureType::kNetwork);
}

}  // namespace meshproxy::upstream
