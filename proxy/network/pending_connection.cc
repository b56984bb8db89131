#include "proxy/network/pending_connection.h"

#include <algorithm>

#include "proxy/core/log.h"
#include "proxy/network/active_listener.h"
#include "proxy/network/http_sniffer.h"
#include "proxy/network/original_dst.h"
#include "proxy/network/tls_client_hello.h"

namespace meshproxy::network {
namespace {
constexpr std::string_view kRawBuffer = "raw_buffer";
constexpr std::string_view kTls = "tls";
}  // namespace

PendingConnection::PendingConnection(ActiveListener& listener,
                                     std::shared_ptr<const ListenerConfig> config,
                                     std::unique_ptr<Connection> connection)
    : listener_(listener), config_(std::move(config)), connection_(std::move(connection)) {
  connection_->setCallbacks(this);
  config_->stats->downstream_pre_cx_active.inc();
  if (config_->listener_filters_timeout.count() > 0) {
    timer_ = std::make_unique<Timer>(listener_.worker().loop.uv(), [this]() { onTimeout(); });
    timer_->enable(config_->listener_filters_timeout);
  }
}

PendingConnection::~PendingConnection() {
  if (connection_ != nullptr) connection_->setCallbacks(nullptr);
  config_->stats->downstream_pre_cx_active.dec();
}

std::unique_ptr<Connection> PendingConnection::releaseConnection() {
  timer_.reset();
  if (connection_ != nullptr) connection_->setCallbacks(nullptr);
  return std::move(connection_);
}

void PendingConnection::start() {
  Outcome outcome = runFilters(connection_->bufferedInput());
  if (outcome != Outcome::kNeedMore) finish(outcome == Outcome::kDone);
}

void PendingConnection::onData(Buffer& data, bool) {
  if (finished_) return;
  // The bytes stay in `data`: the filter chain reads them from the start.
  Outcome outcome = runFilters(data);
  if (outcome != Outcome::kNeedMore) finish(outcome == Outcome::kDone);
}

void PendingConnection::onEvent(ConnectionEvent event) {
  if (finished_ || event == ConnectionEvent::kConnected) return;
  // The peer left (or the socket failed) before the filters were done.
  finished_ = true;
  timer_.reset();
  listener_.onPendingClosed(*this);
}

void PendingConnection::onTimeout() {
  if (finished_) return;
  config_->stats->downstream_pre_cx_timeout.inc();
  log::debug("listener {}: listener filters timed out on connection {}", config_->name,
             connection_->id());
  // Envoy: with continue_on_listener_filters_timeout the chain is picked from what is known.
  finish(config_->continue_on_listener_filters_timeout);
}

void PendingConnection::finish(bool ok) {
  finished_ = true;
  timer_.reset();
  if (ok && transport_protocol.empty()) transport_protocol = std::string(kRawBuffer);
  listener_.onListenerFiltersDone(*this, ok);
}

std::string_view PendingConnection::contiguous(const Buffer& data, size_t limit) {
  if (data.sliceCount() <= 1) return data.frontSlice();
  scratch_ = data.toString(std::min(data.length(), limit));
  return scratch_;
}

// Past the first bytes (the method), an undecided request line can only be decided by a
// space or a control character (CR, LF): a long line trickled in printable bytes is not
// re-scanned from its start on every read.
bool PendingConnection::httpMayHaveProgressed(const Buffer& data) const {
  constexpr size_t kAlwaysSniffBelow = 64;
  if (data.length() <= kAlwaysSniffBelow || http_sniffed_bytes_ == 0) return true;
  size_t offset = 0;
  bool found = false;
  data.forEachSlice([&](std::string_view slice) {
    if (found) return;
    size_t begin = offset >= http_sniffed_bytes_ ? 0 : http_sniffed_bytes_ - offset;
    offset += slice.size();
    for (size_t i = begin; i < slice.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(slice[i]);
      if (c <= 0x20 || c == 0x7f) {
        found = true;
        return;
      }
    }
  });
  return found || data.length() >= kMaxHttpSniffBytes;
}

PendingConnection::Outcome PendingConnection::runFilters(const Buffer& data) {
  const ListenerFilterStats& stats = *config_->listener_filter_stats;
  while (next_filter_ < config_->listener_filters.size()) {
    switch (config_->listener_filters[next_filter_]) {
      case ListenerFilterKind::kOriginalDst: {
        if (!connection_->localAddressRestored()) {
          auto original =
              originalDestination(connection_->fd(), connection_->localAddress().family());
          if (original.has_value()) {
            connection_->restoreLocalAddress(*original);
            stats.original_dst_restored.inc();
          }
        }
        break;
      }
      case ListenerFilterKind::kTlsInspector: {
        if (data.length() < tls_bytes_needed_) return Outcome::kNeedMore;
        ClientHelloInfo hello = parseClientHello(contiguous(data, kMaxClientHelloBytes + 1));
        switch (hello.state) {
          case ClientHelloInfo::State::kNeedMore:
            tls_bytes_needed_ = hello.bytes_needed;
            return Outcome::kNeedMore;
          case ClientHelloInfo::State::kTooLarge:
            stats.client_hello_too_large.inc();
            return Outcome::kFailed;  // the listener closes the connection
          case ClientHelloInfo::State::kNotTls:
            stats.tls_not_found.inc();
            break;
          case ClientHelloInfo::State::kTls:
            stats.tls_found.inc();
            transport_protocol = std::string(kTls);
            if (!hello.server_name.empty()) stats.sni_found.inc();
            if (!hello.alpn.empty()) stats.alpn_found.inc();
            server_name = std::move(hello.server_name);
            application_protocols = std::move(hello.alpn);
            break;
        }
        break;
      }
      case ListenerFilterKind::kHttpInspector: {
        // Envoy's inspector leaves connections another filter found to be TLS alone.
        if (!transport_protocol.empty() && transport_protocol != kRawBuffer) break;
        if (!httpMayHaveProgressed(data)) return Outcome::kNeedMore;
        HttpSniffResult result = sniffHttp(contiguous(data, kMaxHttpSniffBytes));
        http_sniffed_bytes_ = data.length();
        if (result == HttpSniffResult::kNeedMore) return Outcome::kNeedMore;
        switch (result) {
          case HttpSniffResult::kHttp10:
            stats.http10_found.inc();
            break;
          case HttpSniffResult::kHttp11:
            stats.http11_found.inc();
            break;
          case HttpSniffResult::kH2c:
            stats.http2_found.inc();
            break;
          default:
            stats.http_not_found.inc();
            break;
        }
        std::string_view name = applicationProtocolName(result);
        if (!name.empty()) application_protocols.assign(1, std::string(name));
        break;
      }
    }
    ++next_filter_;
  }
  return Outcome::kDone;
}

}  // namespace meshproxy::network
