#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace meshproxy::network {

// What the first bytes of a connection say about TLS, read without consuming them
// (envoy.filters.listener.tls_inspector).
struct ClientHelloInfo {
  enum class State {
    kNeedMore,  // a ClientHello so far; more bytes are needed to finish it
    kTls,       // a complete ClientHello: server_name and alpn are filled in
    kNotTls,    // not a TLS handshake (or a malformed one): raw_buffer
    kTooLarge,  // the ClientHello does not fit in the inspection limit
  };
  State state = State::kNeedMore;
  std::string server_name;  // lower case; "" if the client sent no SNI
  std::vector<std::string> alpn;
  // kNeedMore: no answer can change before this many bytes are there (the end of the record
  // being read), so a client trickling bytes does not make every read re-parse everything.
  size_t bytes_needed = 0;
};

// The most a ClientHello may take, records included (Envoy's default max is 64 KiB).
inline constexpr size_t kMaxClientHelloBytes = 64 * 1024;

// Parses the ClientHello at the start of `data` (all bytes received so far). Bounded and
// defensive: every length is checked against what is there; a handshake split over several
// TLS records is reassembled. Call again with more bytes while it says kNeedMore.
ClientHelloInfo parseClientHello(std::string_view data, size_t max_bytes = kMaxClientHelloBytes);

}  // namespace meshproxy::network
