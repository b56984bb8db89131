#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/tracing/trace_headers.h"

namespace meshproxy::tracing {

// An ordered list of header fields, as the connection manager's map behaves.
class FakeTraceHeaders : public TraceHeaders {
 public:
  FakeTraceHeaders() = default;
  FakeTraceHeaders(std::initializer_list<std::pair<std::string, std::string>> init)
      : fields_(init) {}

  void add(std::string name, std::string value) {
    fields_.emplace_back(std::move(name), std::move(value));
  }

  std::optional<std::string_view> get(std::string_view name) const override {
    for (const auto& [n, v] : fields_) {
      if (n == name) return std::string_view(v);
    }
    return std::nullopt;
  }
  size_t count(std::string_view name) const override {
    size_t n = 0;
    for (const auto& f : fields_) n += f.first == name;
    return n;
  }
  std::optional<std::string> getJoined(std::string_view name) const override {
    std::optional<std::string> out;
    for (const auto& [n, v] : fields_) {
      if (n != name) continue;
      if (out) {
        out->push_back(',');
        out->append(v);
      } else {
        out = v;
      }
    }
    return out;
  }
  void set(std::string_view name, std::string_view value) override {
    remove(name);
    fields_.emplace_back(std::string(name), std::string(value));
  }
  void remove(std::string_view name) override {
    std::erase_if(fields_, [&](const auto& f) { return f.first == name; });
  }

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace meshproxy::tracing
