#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meshproxy::route {

// One rate limit descriptor (envoy.extensions.common.ratelimit.v3.RateLimitDescriptor): the
// ordered key/value entries a request's route `rate_limits` actions produced, matched against
// the local limiter's descriptors or sent to the rate limit service.
//
// Built once per request on the data path, so storage is reused: clear() keeps the strings'
// capacity and a worker that keeps one list allocates nothing once warm.
struct RateLimitEntry {
  std::string key;
  std::string value;
  bool operator==(const RateLimitEntry&) const = default;
};

class RateLimitDescriptor {
 public:
  void clear() { size_ = 0; }
  void add(std::string_view key, std::string_view value) {
    if (size_ == entries_.size()) entries_.emplace_back();
    entries_[size_].key.assign(key);
    entries_[size_].value.assign(value);
    ++size_;
  }
  std::span<const RateLimitEntry> entries() const { return {entries_.data(), size_}; }
  bool empty() const { return size_ == 0; }

 private:
  std::vector<RateLimitEntry> entries_;
  size_t size_ = 0;
};

class RateLimitDescriptorList {
 public:
  void clear() { size_ = 0; }
  // A new, empty descriptor at the end.
  RateLimitDescriptor& add() {
    if (size_ == descriptors_.size()) descriptors_.emplace_back();
    RateLimitDescriptor& d = descriptors_[size_++];
    d.clear();
    return d;
  }
  // Drops the last descriptor (an action declined after entries were added).
  void dropLast() { --size_; }
  std::span<const RateLimitDescriptor> descriptors() const { return {descriptors_.data(), size_}; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  std::vector<RateLimitDescriptor> descriptors_;
  size_t size_ = 0;
};

}  // namespace meshproxy::route
