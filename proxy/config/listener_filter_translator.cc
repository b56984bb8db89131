#include "proxy/config/listener_filter_translator.h"

#include "absl/strings/str_cat.h"
#include "envoy/config/listener/v3/listener_components.pb.h"
#include "envoy/extensions/filters/listener/http_inspector/v3/http_inspector.pb.h"
#include "envoy/extensions/filters/listener/original_dst/v3/original_dst.pb.h"
#include "envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::config {
namespace {

using network::ListenerFilterKind;

struct Known {
  const char* name;
  const char* type;  // full message name
  ListenerFilterKind kind;
};
constexpr Known kKnown[] = {
    {"envoy.filters.listener.original_dst",
     "envoy.extensions.filters.listener.original_dst.v3.OriginalDst",
     ListenerFilterKind::kOriginalDst},
    {"envoy.filters.listener.tls_inspector",
     "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector",
     ListenerFilterKind::kTlsInspector},
    {"envoy.filters.listener.http_inspector",
     "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector",
     ListenerFilterKind::kHttpInspector},
};

// The filters' own options (JA3 fingerprints, buffer sizes, Windows redirect records) are not
// implemented: an empty config is the only one accepted.
template <typename T>
absl::Status checkEmpty(const google::protobuf::Any& any, const std::string& where) {
  auto config = protobuf::unpackAny<T>(any, where);
  if (!config.ok()) return config.status();
  static const protobuf::SupportedFields none = {{T::descriptor()->full_name(), {}}};
  return protobuf::withContext(none.check(*config), where);
}

}  // namespace

absl::StatusOr<ListenerFilterKind> translateListenerFilter(
    const envoy::config::listener::v3::ListenerFilter& proto, const std::string& where) {
  const Known* found = nullptr;
  if (proto.has_typed_config()) {
    const std::string& url = proto.typed_config().type_url();
    for (const auto& k : kKnown) {
      if (url == absl::StrCat("type.googleapis.com/", k.type)) found = &k;
    }
    if (found == nullptr) {
      return protobuf::withContext(
          protobuf::unsupportedExtension(proto.name(), proto.typed_config()), where);
    }
    absl::Status s;
    switch (found->kind) {
      case ListenerFilterKind::kOriginalDst:
        s = checkEmpty<envoy::extensions::filters::listener::original_dst::v3::OriginalDst>(
            proto.typed_config(), where);
        break;
      case ListenerFilterKind::kTlsInspector:
        s = checkEmpty<envoy::extensions::filters::listener::tls_inspector::v3::TlsInspector>(
            proto.typed_config(), where);
        break;
      case ListenerFilterKind::kHttpInspector:
        s = checkEmpty<envoy::extensions::filters::listener::http_inspector::v3::HttpInspector>(
            proto.typed_config(), where);
        break;
    }
    if (!s.ok()) return s;
    return found->kind;
  }
  for (const auto& k : kKnown) {
    if (proto.name() == k.name) return k.kind;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": unsupported listener filter '", proto.name(), "'"));
}

}  // namespace meshproxy::config
