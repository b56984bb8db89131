#include "proxy/upstream/conn_pool_base.h"

#include <algorithm>
#include <limits>

namespace meshproxy::upstream {

// ---- PoolHandle ----------------------------------------------------------------------------

void PoolHandleTarget::bind(PoolHandle& handle, PoolStream* stream) {
  unbind();
  handle.target_ = this;
  handle.stream_ = stream;
  handle_ = &handle;
}

void PoolHandleTarget::unbind() {
  if (handle_ == nullptr) return;
  handle_->target_ = nullptr;
  handle_->stream_ = nullptr;
  handle_ = nullptr;
}

void PoolHandle::cancel() {
  PoolHandleTarget* target = target_;
  if (target == nullptr) return;
  target->unbind();
  target->onHandleCancelled();
}

void PoolHandle::release() {
  if (target_ != nullptr) target_->unbind();
}

// ---- waiting requests ----------------------------------------------------------------------

class ConnPoolBase::PendingRequest : public PoolHandleTarget {
 public:
  PendingRequest(ConnPoolBase& pool, http::ResponseDecoder& decoder, PoolCallbacks& callbacks,
                 PoolHandle& handle)
      : pool(pool),
        decoder(decoder),
        callbacks(callbacks),
        resources(pool.cluster_->resources),
        handle_(&handle) {
    bind(handle, nullptr);
    resources->at(pool.key_.priority).pending_requests.inc(pool.limits().max_pending_requests);
  }
  ~PendingRequest() { uncount(); }

  void onHandleCancelled() override {
    // Out of the queue now, so out of the count now (circuit breakers read it), not when the
    // memory goes.
    uncount();
    auto owned = std::move(*position);
    pool.pending_.erase(position);
    // Reached from the owner's call on its handle: free after the current callback.
    struct Doomed : DeferredDeletable {
      std::unique_ptr<PendingRequest> request;
    };
    auto doomed = std::make_unique<Doomed>();
    doomed->request = std::move(owned);
    pool.loop_.deferredDelete(std::move(doomed));
  }

  // The owner's handle, for the stream that serves this request to bind.
  PoolHandle& takeHandle() {
    unbind();
    return *handle_;
  }
  // Before a pool failure is reported: the handle is empty in onPoolFailure.
  void detach() { unbind(); }
  void uncount() {
    if (counted_) {
      counted_ = false;
      resources->at(pool.key_.priority).pending_requests.dec();
    }
  }

  ConnPoolBase& pool;
  http::ResponseDecoder& decoder;
  PoolCallbacks& callbacks;
  ClusterResourcesSharedPtr resources;
  std::list<std::unique_ptr<PendingRequest>>::iterator position;

 private:
  PoolHandle* handle_;
  bool counted_ = true;
};

// ---- connections ---------------------------------------------------------------------------

ConnPoolBase::ActiveClient::ActiveClient(ConnPoolBase& pool, uint32_t concurrent_stream_limit)
    : pool_(pool),
      concurrent_limit_(concurrent_stream_limit),
      remaining_streams_(pool.cluster_->max_requests_per_connection == 0
                             ? std::numeric_limits<uint64_t>::max()
                             : pool.cluster_->max_requests_per_connection),
      resources_(pool.cluster_->resources),
      priority_(pool.key_.priority) {
  resources_->at(priority_).connections.inc(pool.limits().max_connections);
}

ConnPoolBase::ActiveClient::~ActiveClient() { resources_->at(priority_).connections.dec(); }

uint64_t ConnPoolBase::ActiveClient::capacity() const {
  if (active_streams_ >= concurrent_limit_) return 0;
  return std::min<uint64_t>(concurrent_limit_ - active_streams_, remaining_streams_);
}

// ---- the pool ------------------------------------------------------------------------------

ConnPoolBase::ConnPoolBase(EventLoop& loop, HostSharedPtr host, ClusterConfigSharedPtr cluster,
                           PoolKey key)
    : loop_(loop),
      host_(std::move(host)),
      cluster_(std::move(cluster)),
      key_(key),
      resources_(cluster_->resources) {
  resources_->at(key_.priority).connection_pools.inc(limits().max_connection_pools);
}

ConnPoolBase::~ConnPoolBase() {
  resources_->at(key_.priority).connection_pools.dec();
  // Pins keep a pool with streams alive (worker_cluster.h); this is for shutdown.
  while (!pending_.empty()) {
    auto request = std::move(pending_.front());
    pending_.pop_front();
    request->detach();
    request->callbacks.onPoolFailure(PoolFailureReason::kConnectionFailure, "pool destroyed");
  }
  ready_.clear();
  clients_.clear();
}

void ConnPoolBase::newStream(http::ResponseDecoder& decoder, PoolCallbacks& callbacks,
                             PoolHandle& handle) {
  handle.cancel();
  if (!ready_.empty()) {
    attach(*ready_.back(), decoder, callbacks, handle);
    return;
  }
  // circuit_breakers max_pending_requests, counted across workers (Envoy: the request fails
  // with an overflow, the router answers 503 UO).
  if (!resources_->at(key_.priority).pending_requests.canCreate(limits().max_pending_requests)) {
    cluster_->stats->upstream_rq_pending_overflow.inc();
    callbacks.onPoolFailure(PoolFailureReason::kOverflow, "pending requests overflow");
    return;
  }
  auto pending = std::make_unique<PendingRequest>(*this, decoder, callbacks, handle);
  PendingRequest* raw = pending.get();
  pending_.push_back(std::move(pending));
  raw->position = std::prev(pending_.end());
  cluster_->stats->upstream_rq_pending_total.inc();
  openForPending();
}

void ConnPoolBase::openForPending() {
  // Requests still waiting need connections of their own, as far as max_connections lets
  // them (counted across workers). Past it, they wait for a connection of this pool to free
  // up; a pool without any connection opens one anyway, or its requests could never be served
  // (Envoy does the same).
  while (connecting_capacity_ < pending_.size()) {
    if (!resources_->at(key_.priority).connections.canCreate(limits().max_connections)) {
      cluster_->stats->upstream_cx_overflow.inc();
      if (!clients_.empty()) return;
    }
    createClient();
  }
}

void ConnPoolBase::createClient() {
  std::unique_ptr<ActiveClient> client = instantiateClient();
  ActiveClient* raw = client.get();
  raw->connecting_capacity_ = std::max<uint64_t>(raw->capacity(), 1);
  connecting_capacity_ += raw->connecting_capacity_;
  clients_.push_back(std::move(client));
  raw->position_ = std::prev(clients_.end());
}

void ConnPoolBase::attach(ActiveClient& client, http::ResponseDecoder& decoder,
                          PoolCallbacks& callbacks, PoolHandle& handle) {
  ++client.active_streams_;
  if (client.remaining_streams_ != std::numeric_limits<uint64_t>::max()) {
    --client.remaining_streams_;
  }
  if (client.idle_timer_ != nullptr) client.idle_timer_->disable();
  if (client.capacity() == 0) {
    setReady(client, false);
    client.state_ = ActiveClient::State::kBusy;
  }
  client.startStream(decoder, handle, callbacks);
}

void ConnPoolBase::servePending(ActiveClient& client) {
  while (!pending_.empty() && client.capacity() > 0 &&
         client.state_ != ActiveClient::State::kClosed) {
    std::unique_ptr<PendingRequest> request = std::move(pending_.front());
    pending_.pop_front();
    PoolHandle& handle = request->takeHandle();
    attach(client, request->decoder, request->callbacks, handle);
  }
}

void ConnPoolBase::setReady(ActiveClient& client, bool ready) {
  if (client.in_ready_ == ready) return;
  client.in_ready_ = ready;
  if (ready) {
    ready_.push_back(&client);
  } else {
    std::erase(ready_, &client);
  }
}

void ConnPoolBase::onConnected(ActiveClient& client) {
  connecting_capacity_ -= std::exchange(client.connecting_capacity_, 0);
  client.state_ = ActiveClient::State::kReady;
  servePending(client);
  if (client.state_ == ActiveClient::State::kClosed) return;
  if (client.capacity() == 0) {
    client.state_ = ActiveClient::State::kBusy;
    return;
  }
  onIdle(client);
}

// A connected client that can take streams: offer it, and time it out if nothing comes.
void ConnPoolBase::onIdle(ActiveClient& client) {
  if (client.draining_) {
    if (client.active_streams_ == 0) client.close();
    return;
  }
  client.state_ = ActiveClient::State::kReady;
  setReady(client, true);
  if (client.active_streams_ > 0 || cluster_->idle_timeout.count() <= 0) return;
  if (client.idle_timer_ == nullptr) {
    // One timer per connection, re-armed per exchange (cheap: see Timer).
    client.idle_timer_ = std::make_unique<Timer>(loop_.uv(), [this, &client] {
      cluster_->stats->upstream_cx_idle_timeout.inc();
      client.close();
    });
  }
  client.idle_timer_->enable(cluster_->idle_timeout);
}

void ConnPoolBase::onStreamDone(ActiveClient& client, bool reusable) {
  if (client.active_streams_ > 0) --client.active_streams_;
  if (client.state_ == ActiveClient::State::kClosed) return;
  bool out_of_requests = client.remaining_streams_ == 0;
  if (out_of_requests && reusable) cluster_->stats->upstream_cx_max_requests.inc();
  if (!reusable || out_of_requests || client.draining_) {
    setReady(client, false);
    client.draining_ = true;
    if (client.active_streams_ == 0) client.close();
    return;
  }
  servePending(client);
  if (client.state_ == ActiveClient::State::kClosed || client.capacity() == 0) return;
  onIdle(client);
}

void ConnPoolBase::onConnectAttemptFailed(ActiveClient& client, bool timeout,
                                          std::string_view transport_failure) {
  const ClusterStats& stats = *cluster().stats;
  stats.upstream_cx_connect_fail.inc();
  if (timeout) stats.upstream_cx_connect_timeout.inc();
  if (transport_failure.empty()) {
    transport_failure = timeout ? "connect_timeout" : "connection_failure";
  }
  onConnectFailed(
      client, timeout ? PoolFailureReason::kConnectTimeout : PoolFailureReason::kConnectionFailure,
      transport_failure);
}

void ConnPoolBase::countEstablishedClose(uint64_t bytes_written) {
  const ClusterStats& stats = *cluster().stats;
  stats.upstream_cx_active.dec();
  stats.upstream_cx_destroy.inc();
  stats.upstream_cx_tx_bytes_total.add(bytes_written);
}

void ConnPoolBase::onConnectFailed(ActiveClient& client, PoolFailureReason reason,
                                   std::string_view details) {
  connecting_capacity_ -= std::exchange(client.connecting_capacity_, 0);
  client.state_ = ActiveClient::State::kClosed;
  // The oldest waiting request takes the failure unless other connects can still serve it.
  if (pending_.size() > connecting_capacity_) {
    std::unique_ptr<PendingRequest> request = std::move(pending_.front());
    pending_.pop_front();
    request->detach();
    request->callbacks.onPoolFailure(reason, details);
  }
  onClosed(client);
}

void ConnPoolBase::onClosed(ActiveClient& client) {
  connecting_capacity_ -= std::exchange(client.connecting_capacity_, 0);
  client.state_ = ActiveClient::State::kClosed;
  setReady(client, false);
  if (client.idle_timer_ != nullptr) client.idle_timer_->disable();
  std::unique_ptr<ActiveClient> owned = std::move(*client.position_);
  clients_.erase(client.position_);
  loop_.deferredDelete(std::move(owned));
  openForPending();
}

void ConnPoolBase::onConcurrentStreamLimit(ActiveClient& client, uint32_t limit) {
  client.concurrent_limit_ = std::max<uint32_t>(limit, 1);
  if (client.state_ != ActiveClient::State::kReady && client.state_ != ActiveClient::State::kBusy) {
    return;
  }
  if (client.draining_) return;
  if (client.capacity() == 0) {
    setReady(client, false);
    client.state_ = ActiveClient::State::kBusy;
    return;
  }
  servePending(client);
  if (client.state_ != ActiveClient::State::kClosed && client.capacity() > 0) {
    client.state_ = ActiveClient::State::kReady;
    setReady(client, true);
  }
}

void ConnPoolBase::onGoAway(ActiveClient& client) {
  if (client.state_ == ActiveClient::State::kClosed) return;
  client.draining_ = true;
  setReady(client, false);
  if (client.state_ != ActiveClient::State::kConnecting && client.active_streams_ == 0) {
    client.close();
    return;
  }
  // Waiting requests need a connection that still takes streams.
  openForPending();
}

void ConnPoolBase::drainConnections() {
  std::vector<ActiveClient*> idle;
  for (auto& client : clients_) {
    // A connecting client still serves the queue once it is up, then closes.
    client->draining_ = true;
    setReady(*client, false);
    if (client->state_ != ActiveClient::State::kConnecting && client->active_streams_ == 0) {
      idle.push_back(client.get());
    }
  }
  for (ActiveClient* client : idle) client->close();
}

void ConnPoolBase::closeIdleConnections() {
  std::vector<ActiveClient*> idle;
  for (auto& client : clients_) {
    if (client->state_ == ActiveClient::State::kReady && client->active_streams_ == 0) {
      idle.push_back(client.get());
    }
  }
  for (ActiveClient* client : idle) {
    setReady(*client, false);
    client->close();
  }
}

}  // namespace meshproxy::upstream
