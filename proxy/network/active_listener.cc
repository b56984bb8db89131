#include "proxy/network/active_listener.h"

#include <atomic>

#include "proxy/core/log.h"
#include "proxy/network/listener_index.h"

namespace meshproxy::network {
namespace {
std::atomic<uint64_t> g_active_connections{0};
}  // namespace

uint64_t activeConnectionCount() { return g_active_connections.load(std::memory_order_relaxed); }

namespace {
// A connection that is done but may be inside one of its own callbacks: freed after them.
void deferDelete(EventLoop& loop, std::unique_ptr<Connection> connection) {
  struct Doomed : DeferredDeletable {
    std::unique_ptr<Connection> c;
  };
  auto doomed = std::make_unique<Doomed>();
  doomed->c = std::move(connection);
  loop.deferredDelete(std::move(doomed));
}
}  // namespace

ActiveConnection::ActiveConnection(ActiveListener& listener,
                                   std::shared_ptr<const ListenerConfig> config,
                                   std::unique_ptr<Connection> connection)
    : listener_(listener),
      config_(std::move(config)),
      connection_(std::move(connection)),
      stream_info_(accesslog::StreamInfo::startingNow()) {
  connection_->setCallbacks(this);
  stream_info_.downstream_remote_address = connection_->remoteAddress().str();
  stream_info_.downstream_direct_remote_address = connection_->remoteAddress().str();
  stream_info_.downstream_local_address = connection_->localAddress().str();
  g_active_connections.fetch_add(1, std::memory_order_relaxed);
  const auto& stats = *config_->stats;
  stats.downstream_cx_total.inc();
  stats.downstream_cx_active.inc();
  uint32_t w = listener_.worker().index;
  if (w < stats.workers.size()) {
    stats.workers[w].downstream_cx_total.inc();
    stats.workers[w].downstream_cx_active.inc();
  }
}

ActiveConnection::~ActiveConnection() {
  // Filters go first: they may still refer to the connection while tearing down.
  filters_.clear();
  connection_.reset();
}

WorkerContext& ActiveConnection::worker() { return listener_.worker(); }

void ActiveConnection::addFilter(std::unique_ptr<NetworkFilter> filter) {
  filter->initialize(*this);
  filters_.push_back(std::move(filter));
}

void ActiveConnection::start(const FilterChain& chain) {
  for (const auto& factory : chain.filter_factories) factory(*this);
  for (auto& f : filters_) {
    if (f->onNewConnection() == FilterStatus::kStopIteration) break;
    if (!connection_->isOpen()) break;
  }
}

void ActiveConnection::onData(Buffer& data, bool end_stream) {
  for (auto& f : filters_) {
    if (f->onData(data, end_stream) == FilterStatus::kStopIteration) return;
  }
  // No terminal filter took the bytes: nothing will ever read them.
  data.clear();
}

void ActiveConnection::onEvent(ConnectionEvent event) {
  if (closed_) return;
  if (event == ConnectionEvent::kConnected) {
    // TLS handshake done: the peer's identity is known from here on.
    if (const auto& ssl = connection_->ssl(); ssl != nullptr) {
      stream_info_.downstream_peer_uri_san = ssl->peerUriSan();
      stream_info_.requested_server_name = ssl->serverName();
    }
    for (auto& f : filters_) f->onEvent(event);
    return;
  }
  closed_ = true;
  g_active_connections.fetch_sub(1, std::memory_order_relaxed);
  for (auto& f : filters_) f->onEvent(event);
  const auto& stats = *config_->stats;
  stats.downstream_cx_active.dec();
  stats.downstream_cx_destroy.inc();
  uint32_t w = listener_.worker().index;
  if (w < stats.workers.size()) stats.workers[w].downstream_cx_active.dec();
  listener_.removeConnection(*this);
}

void ActiveConnection::onAboveWriteBufferHighWatermark() {
  for (auto& f : filters_) f->onAboveWriteBufferHighWatermark();
}

void ActiveConnection::onBelowWriteBufferLowWatermark() {
  for (auto& f : filters_) f->onBelowWriteBufferLowWatermark();
}

ActiveListener::ActiveListener(WorkerContext& worker, std::shared_ptr<const ListenerConfig> config,
                               std::shared_ptr<ListenSockets> sockets)
    : worker_(worker), config_(std::move(config)), sockets_(std::move(sockets)) {}

ActiveListener::~ActiveListener() {
  stopAccepting();
  closeAllConnections();
}

bool ActiveListener::start() {
  if (!config_->bind_to_port) {
    log::debug("listener {} on {} does not bind: it takes handed-off connections only",
               config_->name, config_->address.str());
    return true;
  }
  int fd = sockets_->takeFd(static_cast<int>(worker_.index));
  if (fd < 0) {
    log::error("listener {}: no socket for worker {}", config_->name, worker_.index);
    return false;
  }
  acceptor_ = std::make_unique<AcceptPoller>(
      worker_.loop.uv(), fd, fmt::format("listener {} (worker {})", config_->name, worker_.index),
      [this](int accepted) { onAccepted(accepted); });
  if (int rc = acceptor_->start(); rc != 0) {
    log::error("listener {}: cannot listen on worker {}: {}", config_->name, worker_.index,
               uv_strerror(rc));
    stopAccepting();
    return false;
  }
  log::debug("listener {} accepting on {} (worker {})", config_->name, sockets_->address().str(),
             worker_.index);
  return true;
}

void ActiveListener::stopAccepting() { acceptor_.reset(); }

void ActiveListener::closeAllConnections() {
  closePending();
  // Closing raises the close event, which removes the connection from the list.
  while (!connections_.empty()) {
    auto& conn = connections_.front();
    ActiveConnection* raw = conn.get();
    raw->connection().close(CloseType::kNoFlush);
    if (!connections_.empty() && connections_.front().get() == raw) {
      // Already closed earlier but not yet removed: remove it now.
      removeConnection(*raw);
    }
  }
}

void ActiveListener::onAccepted(int fd) {
  auto conn = Connection::adopt(worker_.loop, fd, config_->per_connection_buffer_limit);
  if (conn == nullptr) return;
  onNewConnection(std::move(conn));
}

void ActiveListener::adoptConnection(std::unique_ptr<Connection> connection) {
  onNewConnection(std::move(connection));
}

void ActiveListener::onNewConnection(std::unique_ptr<Connection> connection) {
  if (config_->listener_filters.empty()) {
    // The common case: no inspection, no extra object per connection.
    startOnFilterChain(std::move(connection), nullptr);
    return;
  }
  auto pending = std::make_unique<PendingConnection>(*this, config_, std::move(connection));
  PendingConnection* raw = pending.get();
  pending_.push_front(std::move(pending));
  raw->position = pending_.begin();
  raw->start();
}

std::unique_ptr<PendingConnection> ActiveListener::removePending(PendingConnection& pending) {
  auto owned = std::move(*pending.position);
  pending_.erase(pending.position);
  return owned;
}

void ActiveListener::onPendingClosed(PendingConnection& pending) {
  worker_.loop.deferredDelete(removePending(pending));
}

void ActiveListener::onListenerFiltersDone(PendingConnection& pending, bool ok) {
  auto owned = removePending(pending);
  std::unique_ptr<Connection> connection = pending.releaseConnection();
  if (!ok) {
    connection->close(CloseType::kNoFlush);
    deferDelete(worker_.loop, std::move(connection));
  } else if (ActiveListener* target = handoffTarget(*connection); target != nullptr) {
    config_->listener_filter_stats->handed_off.inc();
    log::trace("listener {}: connection {} to {} handed to listener {}", config_->name,
               connection->id(), connection->localAddress().str(), target->config_->name);
    target->adoptConnection(std::move(connection));
  } else {
    startOnFilterChain(std::move(connection), &pending);
  }
  // The filters' findings were read above; the object goes once this callback returns.
  worker_.loop.deferredDelete(std::move(owned));
}

ActiveListener* ActiveListener::handoffTarget(const Connection& connection) {
  if (!config_->use_original_dst || !connection.localAddressRestored() ||
      worker_.listener_index == nullptr) {
    return nullptr;
  }
  ActiveListener* target = worker_.listener_index->findListener(connection.localAddress());
  // No listener there (or only this one): passthrough on this listener's own chains.
  return target == this ? nullptr : target;
}

void ActiveListener::startOnFilterChain(std::unique_ptr<Connection> connection,
                                        const PendingConnection* detected) {
  ConnectionMatchInfo info{connection->localAddress(), connection->remoteAddress()};
  if (detected != nullptr) {
    info.server_name = detected->server_name;
    info.transport_protocol = detected->transport_protocol;
    info.application_protocols = &detected->application_protocols;
  }
  const FilterChain* chain = config_->chains.select(info);
  if (chain == nullptr) {
    config_->stats->no_filter_chain_match.inc();
    log::debug("listener {}: no filter chain matches connection {} from {} to {}", config_->name,
               connection->id(), connection->remoteAddress().str(),
               connection->localAddress().str());
    connection->close(CloseType::kNoFlush);
    deferDelete(worker_.loop, std::move(connection));
    return;
  }
  if (chain->transport_socket != nullptr) {
    std::string failure;
    auto transport = chain->transport_socket->create({}, &failure);
    if (transport == nullptr) {
      // TLS without certificates yet: refusing beats answering in plaintext.
      log::debug("listener {}: {}", config_->name, failure);
      connection->close(CloseType::kNoFlush);
      deferDelete(worker_.loop, std::move(connection));
      return;
    }
    connection->startServerTransport(std::move(transport));
  }
  auto active = std::make_unique<ActiveConnection>(*this, config_, std::move(connection));
  ActiveConnection* raw = active.get();
  if (detected != nullptr && !detected->server_name.empty()) {
    raw->streamInfo().requested_server_name = detected->server_name;
  }
  connections_.push_front(std::move(active));
  raw->position = connections_.begin();
  raw->start(*chain);
  // Bytes the listener filters looked at go to the chain now (no-op when there are none).
  raw->connection().replayReadBuffer();
}

void ActiveListener::closePending() {
  while (!pending_.empty()) {
    PendingConnection* p = pending_.front().get();
    Connection* c = p->connection();
    if (c != nullptr) c->close(CloseType::kNoFlush);
    // Closing reports to the pending connection, which removes itself; if it was already
    // closed, remove it here.
    if (!pending_.empty() && pending_.front().get() == p) onPendingClosed(*p);
  }
}

void ActiveListener::updateConfig(std::shared_ptr<const ListenerConfig> config,
                                  uint64_t drain_deadline_ms) {
  config_ = std::move(config);
  drainConnections(drain_deadline_ms);
}

void ActiveListener::drainConnections(uint64_t drain_deadline_ms) {
  for (auto& c : connections_) c->startDraining(drain_deadline_ms);
  if (!pending_.empty() && pending_drain_deadline_ms_ == 0) {
    pending_drain_deadline_ms_ = drain_deadline_ms;
  }
}

void ActiveListener::closeExpired(uint64_t now_ms) {
  if (pending_drain_deadline_ms_ != 0 && pending_drain_deadline_ms_ <= now_ms) {
    // Still inspecting at the drain deadline (listener_filters_timeout may be off).
    pending_drain_deadline_ms_ = 0;
    closePending();
  }
  for (auto it = connections_.begin(); it != connections_.end();) {
    ActiveConnection* c = it->get();
    ++it;  // closing removes c from the list
    if (c->drainDeadlineMs() != 0 && c->drainDeadlineMs() <= now_ms) {
      c->connection().close(CloseType::kNoFlush);
    }
  }
}

void ActiveListener::removeConnection(ActiveConnection& connection) {
  auto owned = std::move(*connection.position);
  connections_.erase(connection.position);
  worker_.loop.deferredDelete(std::move(owned));
}

}  // namespace meshproxy::network
