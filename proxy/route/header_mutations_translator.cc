#include "proxy/route/header_mutations_translator.h"

#include <fmt/format.h>

#include "envoy/config/core/v3/base.pb.h"
#include "proxy/core/ascii_case.h"
#include "proxy/core/ascii_case.h"
#include "proxy/http/header_validation.h"
#include "proxy/protobuf/proto_util.h"

// HeaderValueOption.append is deprecated for append_action but still sent by control planes.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace meshproxy::route {

using http::isValidHeaderName;
using http::isValidHeaderValue;
namespace {

using envoy::config::core::v3::HeaderValueOption;

// Envoy's HeaderUtility::isModifiableHeader / isRemovableHeader: pseudo-headers are owned by
// the codec and the route's rewrites, and "host" is :authority under another name.
bool isMutableHeader(std::string_view name) {
  return (name.empty() || name[0] != ':') && !equalsIgnoreCase(name, "host");
}

absl::StatusOr<AppendAction> appendAction(const HeaderValueOption& option) {
  if (option.has_append()) {
    if (option.append_action() != HeaderValueOption::APPEND_IF_EXISTS_OR_ADD) {
      return absl::InvalidArgumentError(
          "both append and append_action are set and it's not allowed");
    }
    return option.append().value() ? AppendAction::kAppendIfExistsOrAdd
                                   : AppendAction::kOverwriteIfExistsOrAdd;
  }
  switch (option.append_action()) {
    case HeaderValueOption::APPEND_IF_EXISTS_OR_ADD:
      return AppendAction::kAppendIfExistsOrAdd;
    case HeaderValueOption::ADD_IF_ABSENT:
      return AppendAction::kAddIfAbsent;
    case HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD:
      return AppendAction::kOverwriteIfExistsOrAdd;
    case HeaderValueOption::OVERWRITE_IF_EXISTS:
      return AppendAction::kOverwriteIfExists;
    default:
      return absl::InvalidArgumentError(
          fmt::format("unknown append_action {}", static_cast<int>(option.append_action())));
  }
}

absl::StatusOr<HeaderToAdd> translateHeaderToAdd(const HeaderValueOption& option) {
  const std::string& key = option.header().key();
  if (!isValidHeaderName(key)) {
    return absl::InvalidArgumentError(fmt::format("invalid header name '{}'", key));
  }
  if (!isMutableHeader(key)) {
    return absl::InvalidArgumentError(
        fmt::format("header '{}': :-prefixed or host headers may not be modified", key));
  }
  if (!isValidHeaderValue(option.header().value())) {
    return absl::InvalidArgumentError(
        fmt::format("header '{}': the value contains NUL, CR or LF", key));
  }
  auto action = appendAction(option);
  if (!action.ok()) return protobuf::withContext(action.status(), fmt::format("header '{}'", key));
  // Envoy formats header values with omit_empty_values: a missing value is "", not "-", and
  // without keep_empty_value an empty result adds nothing.
  auto formatter = accesslog::Formatter::create(
      option.header().value(), accesslog::FormatOptions{.omit_empty_values = true});
  if (!formatter.ok()) return protobuf::withContext(formatter.status(), fmt::format("header '{}'", key));
  return HeaderToAdd{toLowerCopy(key), std::move(*formatter), *action, option.keep_empty_value()};
}

}  // namespace

absl::StatusOr<HeaderMutations> translateHeaderMutations(
    const google::protobuf::RepeatedPtrField<HeaderValueOption>& to_add,
    const google::protobuf::RepeatedPtrField<std::string>& to_remove) {
  std::vector<std::string> remove;
  for (const std::string& name : to_remove) {
    if (!isValidHeaderName(name)) {
      return absl::InvalidArgumentError(fmt::format("invalid header name '{}' to remove", name));
    }
    if (!isMutableHeader(name)) {
      return absl::InvalidArgumentError(
          fmt::format("header '{}': :-prefixed or host headers may not be removed", name));
    }
    remove.push_back(toLowerCopy(name));
  }
  // Envoy caps each list at 1000 entries (protoc-gen-validate max_items).
  if (to_add.size() > 1000) {
    return absl::InvalidArgumentError("more than 1000 headers to add");
  }
  std::vector<HeaderToAdd> add;
  add.reserve(static_cast<size_t>(to_add.size()));
  for (const HeaderValueOption& option : to_add) {
    auto entry = translateHeaderToAdd(option);
    if (!entry.ok()) return entry.status();
    add.push_back(std::move(*entry));
  }
  return HeaderMutations(std::move(remove), std::move(add));
}

}  // namespace meshproxy::route
