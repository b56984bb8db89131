#include "proxy/http/header_map.h"

#include <algorithm>

namespace meshproxy::http {

void toLowerAscii(std::string& s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

namespace {
bool hasUpper(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// Names are nearly always lower-case already (constants, codec output): look them up as
// they are and copy only when a name really needs lower-casing.
class LowerName {
 public:
  explicit LowerName(std::string_view name) {
    if (hasUpper(name)) {
      owned_ = std::string(name);
      toLowerAscii(owned_);
      view_ = owned_;
    } else {
      view_ = name;
    }
  }
  std::string_view view() const { return view_; }

 private:
  std::string owned_;
  std::string_view view_;
};
}  // namespace

namespace {
// Entry storage of destroyed maps, kept per thread for the next reserve(). Only the sizes
// the codecs reserve are worth keeping; huge ones are left to the heap.
constexpr size_t kMinPooledCapacity = 8;
constexpr size_t kMaxPooledCapacity = 128;
constexpr size_t kMaxPooledVectors = 1024;
thread_local bool t_entry_pool_dead = false;
struct EntryStoragePool {
  std::vector<std::vector<HeaderMap::Entry>> free;
  ~EntryStoragePool() { t_entry_pool_dead = true; }
};
EntryStoragePool& entryPool() {
  thread_local EntryStoragePool pool;
  return pool;
}
}  // namespace

HeaderMap::~HeaderMap() {
  const size_t capacity = entries_.capacity();
  if (capacity < kMinPooledCapacity || capacity > kMaxPooledCapacity || t_entry_pool_dead) return;
  auto& free = entryPool().free;
  if (free.size() >= kMaxPooledVectors) return;
  entries_.clear();
  free.push_back(std::move(entries_));
}

void HeaderMap::reserve(size_t n) {
  if (entries_.capacity() >= n) return;
  if (entries_.empty() && !t_entry_pool_dead) {
    auto& free = entryPool().free;
    if (!free.empty()) {
      entries_ = std::move(free.back());
      free.pop_back();
    }
  }
  entries_.reserve(n);
}

HeaderMap::HeaderMap(std::initializer_list<std::pair<std::string_view, std::string_view>> init) {
  for (const auto& [n, v] : init) add(n, v);
}

void HeaderMap::add(std::string_view name, std::string_view value) {
  LowerName lower(name);
  addLowercase(std::string(lower.view()), std::string(value));
}

void HeaderMap::addLowercase(std::string name, std::string value) {
  if (!name.empty() && name[0] == ':') {
    // Keep pseudo-headers ahead of regular ones.
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [](const Entry& e) { return e.first.empty() || e.first[0] != ':'; });
    entries_.emplace(it, std::move(name), std::move(value));
    return;
  }
  entries_.emplace_back(std::move(name), std::move(value));
}

void HeaderMap::set(std::string_view name, std::string_view value) {
  LowerName lower(name);
  std::string_view n = lower.view();
  bool replaced = false;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->first == n) {
      if (!replaced) {
        it->second.assign(value.data(), value.size());
        replaced = true;
        ++it;
      } else {
        it = entries_.erase(it);
      }
    } else {
      ++it;
    }
  }
  if (!replaced) addLowercase(std::string(n), std::string(value));
}

void HeaderMap::setIfAbsent(std::string_view name, std::string_view value) {
  LowerName lower(name);
  if (!get(lower.view())) addLowercase(std::string(lower.view()), std::string(value));
}

size_t HeaderMap::remove(std::string_view name) {
  LowerName lower(name);
  std::string_view n = lower.view();
  size_t before = entries_.size();
  std::erase_if(entries_, [&](const Entry& e) { return e.first == n; });
  return before - entries_.size();
}

size_t HeaderMap::removePrefix(std::string_view prefix) {
  size_t before = entries_.size();
  std::erase_if(entries_, [&](const Entry& e) { return e.first.starts_with(prefix); });
  return before - entries_.size();
}

std::optional<std::string_view> HeaderMap::get(std::string_view name) const {
  for (const auto& e : entries_) {
    if (e.first == name) return std::string_view(e.second);
  }
  return std::nullopt;
}

std::optional<std::string> HeaderMap::getJoined(std::string_view name) const {
  std::optional<std::string> out;
  for (const auto& e : entries_) {
    if (e.first != name) continue;
    if (!out) {
      out = e.second;
    } else {
      *out += ',';
      *out += e.second;
    }
  }
  return out;
}

size_t HeaderMap::count(std::string_view name) const {
  return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(),
                                           [&](const Entry& e) { return e.first == name; }));
}

uint32_t HeaderMap::status() const {
  auto s = get(headers::kStatus);
  if (!s || s->size() != 3) return 0;
  uint32_t v = 0;
  for (char c : *s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  return v;
}

size_t HeaderMap::byteSize() const {
  size_t n = 0;
  for (const auto& e : entries_) n += e.first.size() + e.second.size();
  return n;
}

}  // namespace meshproxy::http
