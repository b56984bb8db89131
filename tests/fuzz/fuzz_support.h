#pragma once

// Helpers shared by the libFuzzer targets: how an input is cut into a control word and a byte
// stream, where the stream is split, and a check that aborts with a message (libFuzzer then
// saves the input as a crash).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>
#include <vector>

namespace meshproxy::fuzz {

// A broken invariant: print why and abort, so libFuzzer keeps the input.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}
#define FUZZ_CHECK(cond)                                     \
  do {                                                       \
    if (!(cond)) ::meshproxy::fuzz::fail(#cond " @" __FILE__); \
  } while (0)

// Inputs of the stream targets: 4 little-endian control bytes, then the stream. Seeds keep the
// stream readable (corpus/*/ files are "\0\0\0\0" + an HTTP message).
struct ControlledInput {
  uint32_t control = 0;
  std::string_view stream;
};

inline bool splitControl(const uint8_t* data, size_t size, ControlledInput& out) {
  if (size < 4) return false;
  out.control = static_cast<uint32_t>(data[0]) | static_cast<uint32_t>(data[1]) << 8 |
                static_cast<uint32_t>(data[2]) << 16 | static_cast<uint32_t>(data[3]) << 24;
  out.stream = std::string_view(reinterpret_cast<const char*>(data + 4), size - 4);
  return true;
}

// Cut points in (0, size), ascending, chosen by `seed`: some streams in one piece, most in
// many small ones (the codec must give the same result for every split of the same bytes).
inline std::vector<size_t> cutPoints(uint32_t seed, size_t size) {
  std::vector<size_t> cuts;
  if (size < 2) return cuts;
  std::minstd_rand rng(seed + 1);
  const uint32_t mode = seed % 4;
  if (mode == 0) {
    for (size_t i = 1; i < size; ++i) cuts.push_back(i);  // byte at a time
    return cuts;
  }
  const size_t max_step = mode == 1 ? 3 : mode == 2 ? 17 : 200;
  size_t at = 0;
  while (true) {
    at += 1 + rng() % max_step;
    if (at >= size) break;
    cuts.push_back(at);
  }
  return cuts;
}

}  // namespace meshproxy::fuzz
