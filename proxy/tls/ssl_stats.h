#pragma once

#include <memory>

#include "proxy/stats/counter.h"
#include "proxy/stats/scope.h"

namespace meshproxy::tls {

// Envoy's <owner>.ssl.* counters, owner being listener.<address> or cluster.<name>.
struct SslStats {
  stats::Counter& handshake;
  stats::Counter& connection_error;
  stats::Counter& fail_verify_no_cert;
  stats::Counter& fail_verify_san;
  stats::Counter& fail_verify_error;
  stats::Counter& session_reused;
  stats::Counter& no_certificate;

  // `owner` is the listener's or cluster's scope.
  static std::shared_ptr<const SslStats> create(const stats::Scope& owner) {
    stats::Scope s = owner.scope("ssl");
    return std::make_shared<const SslStats>(SslStats{
        s.counter("handshake"), s.counter("connection_error"), s.counter("fail_verify_no_cert"),
        s.counter("fail_verify_san"), s.counter("fail_verify_error"), s.counter("session_reused"),
        s.counter("no_certificate")});
  }
};

}  // namespace meshproxy::tls
