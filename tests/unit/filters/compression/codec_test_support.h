#pragma once

#include <cstdint>
#include <string>

#include "proxy/core/buffer.h"
#include "proxy/filters/http/compression/stream_codec.h"

namespace meshproxy::filters::compression::testing {

// Text that compresses like a JSON API response: repetitive structure, varying numbers.
inline std::string jsonLikeText(size_t size, uint64_t seed = 1) {
  std::string out;
  out.reserve(size + 128);
  uint64_t x = seed;
  while (out.size() < size) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    out += "{\"id\":" + std::to_string(x >> 40) + ",\"name\":\"item-" +
           std::to_string((x >> 20) & 0xfff) + "\",\"tags\":[\"a\",\"b\"],\"ok\":true},";
  }
  out.resize(size);
  return out;
}

inline Buffer bufferOf(std::string_view s) {
  Buffer b;
  b.add(s);
  return b;
}

// Compresses `chunks` in order (flush after each, finish after the last).
template <typename Chunks>
std::string compressAll(const CompressorFactory& factory, const Chunks& chunks) {
  auto c = factory.create();
  std::string out;
  size_t i = 0;
  for (const auto& chunk : chunks) {
    Buffer b = bufferOf(chunk);
    c->compress(b, ++i == std::size(chunks));
    out += b.toString();
  }
  return out;
}

// Decodes `encoded` fed in pieces of `piece` bytes; "" and ok=false on error.
inline std::string decompressAll(const DecompressorFactory& factory, std::string_view encoded,
                                 bool* ok, size_t piece = 1000) {
  auto d = factory.create();
  Buffer out;
  *ok = true;
  for (size_t i = 0; i < encoded.size() && *ok; i += piece) {
    Buffer in = bufferOf(encoded.substr(i, piece));
    *ok = d->decompress(in, out);
  }
  return out.toString();
}

}  // namespace meshproxy::filters::compression::testing
