#pragma once

#include <cstdint>
#include <random>

namespace meshproxy {

// Uniform 64-bit draws for the policy decisions (fault percentages, filter_enabled fractions).
// An interface so tests can script the draws; decisions take the source by reference and never
// keep it.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual uint64_t next() = 0;
};

// A seeded generator: the same seed gives the same decisions (tests), a random seed per worker
// thread gives independent ones (the data path). Not thread-safe: one per thread.
class SeededRandom final : public RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  uint64_t next() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace meshproxy
