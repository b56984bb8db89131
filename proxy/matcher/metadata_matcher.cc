#include "proxy/matcher/metadata_matcher.h"

#include <google/protobuf/struct.pb.h>

#include "absl/strings/str_cat.h"
#include "envoy/type/matcher/v3/metadata.pb.h"
#include "envoy/type/matcher/v3/value.pb.h"
#include "proxy/matcher/matcher_translator.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::matcher {

using google::protobuf::Value;

ValueMatcher ValueMatcher::null() { return ValueMatcher(Kind::kNull); }

ValueMatcher ValueMatcher::doubleRange(double start, double end) {
  ValueMatcher m(Kind::kDoubleRange);
  m.start_ = start;
  m.end_ = end;
  return m;
}

ValueMatcher ValueMatcher::doubleExact(double value) {
  ValueMatcher m(Kind::kDoubleExact);
  m.start_ = value;
  return m;
}

ValueMatcher ValueMatcher::string(StringMatcher matcher) {
  ValueMatcher m(Kind::kString);
  m.string_ = std::make_shared<const StringMatcher>(std::move(matcher));
  return m;
}

ValueMatcher ValueMatcher::boolean(bool value) {
  ValueMatcher m(Kind::kBool);
  m.flag_ = value;
  return m;
}

ValueMatcher ValueMatcher::present(bool present) {
  ValueMatcher m(Kind::kPresent);
  m.flag_ = present;
  return m;
}

ValueMatcher ValueMatcher::list(ValueMatcher one_of) {
  ValueMatcher m(Kind::kList);
  m.children_.push_back(std::move(one_of));
  return m;
}

ValueMatcher ValueMatcher::anyOf(std::vector<ValueMatcher> matchers) {
  ValueMatcher m(Kind::kOr);
  m.children_ = std::move(matchers);
  return m;
}

bool ValueMatcher::match(const Value& value) const {
  switch (kind_) {
    case Kind::kNull:
      return value.kind_case() == Value::kNullValue;
    case Kind::kDoubleRange:
      return value.kind_case() == Value::kNumberValue && value.number_value() >= start_ &&
             value.number_value() < end_;
    case Kind::kDoubleExact:
      return value.kind_case() == Value::kNumberValue && value.number_value() == start_;
    case Kind::kString:
      return value.kind_case() == Value::kStringValue && string_->match(value.string_value());
    case Kind::kBool:
      return value.kind_case() == Value::kBoolValue && value.bool_value() == flag_;
    case Kind::kPresent:
      return flag_ && value.kind_case() != Value::KIND_NOT_SET;
    case Kind::kList:
      if (value.kind_case() != Value::kListValue) return false;
      for (const Value& element : value.list_value().values()) {
        if (children_[0].match(element)) return true;
      }
      return false;
    case Kind::kOr:
      for (const ValueMatcher& m : children_) {
        if (m.match(value)) return true;
      }
      return false;
  }
  return false;
}

MetadataMatcher::MetadataMatcher(std::string filter, std::vector<std::string> path,
                                 ValueMatcher value, bool invert)
    : filter_(std::move(filter)),
      path_(std::move(path)),
      value_(std::move(value)),
      invert_(invert) {}

bool MetadataMatcher::match(const google::protobuf::Struct* ns) const {
  const Value* found = nullptr;
  const google::protobuf::Struct* current = ns;
  for (size_t i = 0; current != nullptr && i < path_.size(); ++i) {
    auto it = current->fields().find(path_[i]);
    if (it == current->fields().end()) break;
    if (i + 1 == path_.size()) {
      found = &it->second;
    } else {
      current =
          it->second.kind_case() == Value::kStructValue ? &it->second.struct_value() : nullptr;
    }
  }
  return value_.match(found != nullptr ? *found : Value::default_instance()) != invert_;
}

absl::StatusOr<ValueMatcher> translateValueMatcher(
    const envoy::type::matcher::v3::ValueMatcher& proto, uint32_t max_program_size) {
  using Proto = envoy::type::matcher::v3::ValueMatcher;
  switch (proto.match_pattern_case()) {
    case Proto::kNullMatch:
      return ValueMatcher::null();
    case Proto::kDoubleMatch:
      if (proto.double_match().has_range()) {
        return ValueMatcher::doubleRange(proto.double_match().range().start(),
                                         proto.double_match().range().end());
      }
      if (proto.double_match().match_pattern_case() ==
          envoy::type::matcher::v3::DoubleMatcher::kExact) {
        return ValueMatcher::doubleExact(proto.double_match().exact());
      }
      return absl::InvalidArgumentError("double_match needs range or exact");
    case Proto::kStringMatch: {
      auto m = translateStringMatcher(proto.string_match(), max_program_size);
      if (!m.ok()) return protobuf::withContext(m.status(), "string_match");
      return ValueMatcher::string(std::move(*m));
    }
    case Proto::kBoolMatch:
      return ValueMatcher::boolean(proto.bool_match());
    case Proto::kPresentMatch:
      return ValueMatcher::present(proto.present_match());
    case Proto::kListMatch: {
      if (!proto.list_match().has_one_of()) {
        return absl::InvalidArgumentError("list_match needs one_of");
      }
      auto m = translateValueMatcher(proto.list_match().one_of(), max_program_size);
      if (!m.ok()) return protobuf::withContext(m.status(), "list_match.one_of");
      return ValueMatcher::list(std::move(*m));
    }
    case Proto::kOrMatch: {
      const auto& matchers = proto.or_match().value_matchers();
      if (matchers.size() < 2) {
        return absl::InvalidArgumentError("or_match needs at least 2 value_matchers");
      }
      std::vector<ValueMatcher> out;
      for (int i = 0; i < matchers.size(); ++i) {
        auto m = translateValueMatcher(matchers[i], max_program_size);
        if (!m.ok()) {
          return protobuf::withContext(m.status(),
                                       absl::StrCat("or_match.value_matchers[", i, "]"));
        }
        out.push_back(std::move(*m));
      }
      return ValueMatcher::anyOf(std::move(out));
    }
    default:
      return absl::InvalidArgumentError("value matcher without a match pattern");
  }
}

absl::StatusOr<MetadataMatcher> translateMetadataMatcher(
    const envoy::type::matcher::v3::MetadataMatcher& proto, uint32_t max_program_size) {
  if (proto.filter().empty()) return absl::InvalidArgumentError("filter must not be empty");
  if (proto.path().empty()) return absl::InvalidArgumentError("path must have at least one key");
  std::vector<std::string> path;
  for (const auto& segment : proto.path()) {
    if (segment.key().empty()) return absl::InvalidArgumentError("path keys must not be empty");
    path.push_back(segment.key());
  }
  if (!proto.has_value()) return absl::InvalidArgumentError("value is required");
  auto value = translateValueMatcher(proto.value(), max_program_size);
  if (!value.ok()) return protobuf::withContext(value.status(), "value");
  return MetadataMatcher(proto.filter(), std::move(path), std::move(*value), proto.invert());
}

}  // namespace meshproxy::matcher
