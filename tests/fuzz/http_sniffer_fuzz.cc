// libFuzzer target: the HTTP sniffer of http_inspector (proxy/network/http_sniffer).
//
// Input: the first bytes of a plaintext connection. Besides not crashing, a verdict given on a
// prefix must be the verdict on the whole input (bytes that arrive later never change it).

#include <cstdint>
#include <string_view>

#include "proxy/network/http_sniffer.h"
#include "tests/fuzz/fuzz_support.h"

using meshproxy::network::HttpSniffResult;
using meshproxy::network::sniffHttp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view data(reinterpret_cast<const char*>(bytes), size);
  for (size_t max_bytes : {meshproxy::network::kMaxHttpSniffBytes, size_t{32}}) {
    const HttpSniffResult whole = sniffHttp(data, max_bytes);
    if (data.size() >= max_bytes) FUZZ_CHECK(whole != HttpSniffResult::kNeedMore);
    (void)meshproxy::network::applicationProtocolName(whole);
    if (size == 0) continue;
    const size_t prefix_size = static_cast<uint8_t>(bytes[size - 1]) * size / 256;
    const HttpSniffResult prefix = sniffHttp(data.substr(0, prefix_size), max_bytes);
    if (prefix != HttpSniffResult::kNeedMore) FUZZ_CHECK(prefix == whole);
  }
  return 0;
}
