#pragma once

#include "proxy/http/header_map.h"
#include "proxy/tracing/trace_headers.h"

namespace meshproxy::http {

// The request's HeaderMap as tracing reads and writes it (tracing sits below http/ and knows
// only tracing::TraceHeaders). A stack object around a reference: no allocation.
class TraceHeaderMap final : public tracing::TraceHeaders {
 public:
  explicit TraceHeaderMap(HeaderMap& headers) : headers_(headers) {}

  std::optional<std::string_view> get(std::string_view name) const override {
    return headers_.get(name);
  }
  size_t count(std::string_view name) const override { return headers_.count(name); }
  std::optional<std::string> getJoined(std::string_view name) const override {
    return headers_.getJoined(name);
  }
  void set(std::string_view name, std::string_view value) override { headers_.set(name, value); }
  void remove(std::string_view name) override { headers_.remove(name); }

 private:
  HeaderMap& headers_;
};

}  // namespace meshproxy::http
