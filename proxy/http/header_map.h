#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/accesslog/header_lookup.h"
#include "proxy/core/recycled.h"

namespace meshproxy::http {

// Names of the pseudo-headers every codec maps its request/response line to, so filters and
// the router see one shape whatever the protocol (HTTP/1.1 now, HTTP/2 later).
namespace headers {
inline constexpr std::string_view kMethod = ":method";
inline constexpr std::string_view kPath = ":path";
inline constexpr std::string_view kAuthority = ":authority";
inline constexpr std::string_view kScheme = ":scheme";
inline constexpr std::string_view kStatus = ":status";
// Set by the HTTP/1 codec on an upgrade request (the value of Upgrade:), for example "websocket".
inline constexpr std::string_view kProtocol = ":protocol";
}  // namespace headers

// An ordered list of header fields. Names are stored lower-case (HTTP/1 names are
// case-insensitive; HTTP/2 requires lower case); values as received. Pseudo-headers come
// first. Lookups are linear: messages carry tens of headers, where a scan of short strings
// beats hashing.
//
// Every request creates two of these (request and response): the objects and their entry
// storage are recycled per thread (Recycled, and ~HeaderMap/reserve() below).
class HeaderMap : public accesslog::HeaderLookup, public Recycled<HeaderMap> {
 public:
  using Entry = std::pair<std::string, std::string>;

  HeaderMap() = default;
  ~HeaderMap() override;
  HeaderMap(const HeaderMap&) = default;
  HeaderMap& operator=(const HeaderMap&) = default;
  HeaderMap(HeaderMap&&) = default;
  HeaderMap& operator=(HeaderMap&&) = default;
  HeaderMap(std::initializer_list<std::pair<std::string_view, std::string_view>> init);

  // Appends; `name` is lower-cased.
  void add(std::string_view name, std::string_view value);
  // Appends with a name already lower-case (the codecs' fast path).
  void addLowercase(std::string name, std::string value);
  // Replaces every field of that name by one (or adds it).
  void set(std::string_view name, std::string_view value);
  // Sets only if absent.
  void setIfAbsent(std::string_view name, std::string_view value);
  // Removes every field of that name; returns how many.
  size_t remove(std::string_view name);
  // Removes every field for which pred(entry) is true, in one pass; returns how many.
  template <typename Pred>
  size_t removeIf(Pred pred) {
    return static_cast<size_t>(std::erase_if(entries_, pred));
  }
  // Removes every field whose name starts with prefix.
  size_t removePrefix(std::string_view prefix);

  // First value of that name. `name` must be lower-case.
  std::optional<std::string_view> get(std::string_view name) const override;
  // All values of that name joined with "," (the HTTP list form).
  std::optional<std::string> getJoined(std::string_view name) const;
  size_t count(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }

  // Pseudo-header shortcuts; empty when absent.
  std::string_view method() const { return get(headers::kMethod).value_or(""); }
  std::string_view path() const { return get(headers::kPath).value_or(""); }
  std::string_view authority() const { return get(headers::kAuthority).value_or(""); }
  std::string_view scheme() const { return get(headers::kScheme).value_or(""); }
  // :status as a number, 0 when absent or malformed.
  uint32_t status() const;

  const std::vector<Entry>& entries() const { return entries_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Sizes the storage up front (the HTTP/1 codec: one allocation per message, not one per
  // doubling), reusing the storage of a map this thread destroyed when there is one.
  void reserve(size_t n);
  // Sum of name and value lengths (the size limits are defined on it).
  size_t byteSize() const;
  void clear() { entries_.clear(); }

 private:
  std::vector<Entry> entries_;
};

// Lower-cases ASCII in place.
void toLowerAscii(std::string& s);
bool equalsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace meshproxy::http
