#pragma once

#include <cstddef>
#include <string_view>

namespace meshproxy::network {

// What the first bytes of a plaintext connection say about HTTP
// (envoy.filters.listener.http_inspector).
enum class HttpSniffResult {
  kNeedMore,  // could still be HTTP: more bytes are needed
  kHttp10,    // an HTTP/1.0 request line
  kHttp11,    // an HTTP/1.1 request line
  kH2c,       // the HTTP/2 connection preface (prior knowledge)
  kNotHttp,
};

// The longest request line considered (Envoy's inspector reads at most 64 KiB).
inline constexpr size_t kMaxHttpSniffBytes = 64 * 1024;

// Looks at the bytes received so far: the HTTP/2 preface, or "METHOD SP target SP HTTP/1.x"
// then CRLF, with a known method. Decides as soon as the bytes rule HTTP out.
HttpSniffResult sniffHttp(std::string_view data, size_t max_bytes = kMaxHttpSniffBytes);

// The application protocol name Envoy gives each result ("http/1.0", "http/1.1", "h2c");
// "" for the others.
std::string_view applicationProtocolName(HttpSniffResult result);

}  // namespace meshproxy::network
