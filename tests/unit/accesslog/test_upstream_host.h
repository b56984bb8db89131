#pragma once

#include <string>
#include <string_view>

#include "proxy/accesslog/stream_info.h"

namespace meshproxy::accesslog {

// An upstream host for StreamInfo in tests that have no upstream::Host.
class TestUpstreamHost final : public UpstreamHostDescription {
 public:
  explicit TestUpstreamHost(std::string address) : address_(std::move(address)) {}
  std::string_view addressString() const override { return address_; }
  std::string_view hostnameString() const override { return address_; }

 private:
  std::string address_;
};

}  // namespace meshproxy::accesslog
