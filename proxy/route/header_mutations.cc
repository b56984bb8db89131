#include "proxy/route/header_mutations.h"

#include "absl/container/inlined_vector.h"

namespace meshproxy::route {

HeaderMutations::HeaderMutations(std::vector<std::string> to_remove,
                                 std::vector<HeaderToAdd> to_add)
    : to_remove_(std::move(to_remove)), to_add_(std::move(to_add)) {}

void HeaderMutations::apply(http::HeaderMap& headers, const accesslog::StreamInfo& info) const {
  for (const std::string& name : to_remove_) headers.remove(name);
  if (to_add_.empty()) return;

  // Format every value before writing any, so all of them see the same headers (a later entry's
  // %REQ(x)% does not see an earlier entry's x), as in Envoy. Literal values are not copied.
  struct Pending {
    const HeaderToAdd* entry;
    std::string_view value;
    bool overwrite;
  };
  absl::InlinedVector<std::string, 4> formatted(to_add_.size());
  absl::InlinedVector<Pending, 8> pending;
  for (size_t i = 0; i < to_add_.size(); ++i) {
    const HeaderToAdd& entry = to_add_[i];
    std::string_view value;
    if (const std::string* literal = entry.value.soleLiteral()) {
      value = *literal;
    } else {
      entry.value.format(info, formatted[i]);
      value = formatted[i];
    }
    if (value.empty() && !entry.keep_empty_value) continue;
    switch (entry.action) {
      case AppendAction::kAppendIfExistsOrAdd:
        pending.push_back({&entry, value, false});
        break;
      case AppendAction::kAddIfAbsent:
        if (!headers.has(entry.name)) pending.push_back({&entry, value, false});
        break;
      case AppendAction::kOverwriteIfExists:
        if (headers.has(entry.name)) pending.push_back({&entry, value, true});
        break;
      case AppendAction::kOverwriteIfExistsOrAdd:
        pending.push_back({&entry, value, true});
        break;
    }
  }
  // Overwrites before additions, so an entry that appends is not wiped by one that overwrites.
  for (const Pending& p : pending) {
    if (p.overwrite) headers.set(p.entry->name, p.value);
  }
  for (const Pending& p : pending) {
    if (!p.overwrite) headers.addLowercase(p.entry->name, std::string(p.value));
  }
}

}  // namespace meshproxy::route
