// libFuzzer target: the TLS ClientHello reader of tls_inspector (proxy/network/tls_client_hello).
//
// Input: the first bytes of a connection. Besides not crashing, the answer must be stable as
// bytes arrive: a verdict given on a prefix (TLS with its SNI and ALPN, not TLS, too large) is
// the verdict on the whole input, and "need more until N bytes" holds for every shorter input.

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "proxy/network/tls_client_hello.h"
#include "tests/fuzz/fuzz_support.h"

using meshproxy::network::ClientHelloInfo;
using meshproxy::network::parseClientHello;
using State = ClientHelloInfo::State;

namespace {

void checkPrefix(std::string_view data, size_t prefix_size, size_t max_bytes) {
  const ClientHelloInfo whole = parseClientHello(data, max_bytes);
  const ClientHelloInfo prefix = parseClientHello(data.substr(0, prefix_size), max_bytes);
  if (prefix.state != State::kNeedMore) {
    FUZZ_CHECK(whole.state == prefix.state);
    FUZZ_CHECK(whole.server_name == prefix.server_name);
    FUZZ_CHECK(whole.alpn == prefix.alpn);
    return;
  }
  FUZZ_CHECK(prefix.bytes_needed > prefix_size);
  if (prefix.bytes_needed <= data.size() + 1) {
    // Everything shorter than bytes_needed still needs more.
    const ClientHelloInfo before = parseClientHello(data.substr(0, prefix.bytes_needed - 1), max_bytes);
    FUZZ_CHECK(before.state == State::kNeedMore);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view data(reinterpret_cast<const char*>(bytes), size);
  const ClientHelloInfo info = parseClientHello(data);
  if (info.state == State::kTls) {
    for (char c : info.server_name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    for (const auto& p : info.alpn) FUZZ_CHECK(!p.empty());
  } else {
    FUZZ_CHECK(info.server_name.empty() && info.alpn.empty());
  }
  if (size == 0) return 0;
  // A prefix whose length the input decides, and a small inspection limit.
  const size_t prefix_size = static_cast<uint8_t>(bytes[size - 1]) * size / 256;
  checkPrefix(data, prefix_size, meshproxy::network::kMaxClientHelloBytes);
  checkPrefix(data, prefix_size, std::max<size_t>(64, size / 2));
  return 0;
}
