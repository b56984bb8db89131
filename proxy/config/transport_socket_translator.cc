#include "proxy/config/transport_socket_translator.h"

#include "absl/strings/str_cat.h"
#include "envoy/config/core/v3/base.pb.h"
#include "envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/tls.pb.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/typed_config.h"
#include "proxy/tls/secret_manager.h"
#include "proxy/tls/ssl_socket_factory.h"
#include "proxy/tls/tls_context_translator.h"

namespace meshproxy::config {
namespace {

constexpr char kTlsName[] = "envoy.transport_sockets.tls";
constexpr char kRawName[] = "envoy.transport_sockets.raw_buffer";
constexpr char kDownstreamType[] =
    "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
constexpr char kUpstreamType[] =
    "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";
constexpr char kRawType[] =
    "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";

}  // namespace

absl::StatusOr<network::TransportSocketFactorySharedPtr> translateTransportSocket(
    const envoy::config::core::v3::TransportSocket& proto, TransportSide side,
    const stats::Scope& owner_scope, TranslationContext& context,
    std::vector<std::string>* secrets, const std::string& owner) {
  const std::string where = "transport_socket";
  if (!proto.has_typed_config()) {
    // As in Envoy, the name alone selects an extension that needs no config.
    if (proto.name() == kRawName || proto.name().empty()) return nullptr;
    return absl::InvalidArgumentError(
        absl::StrCat(where, " '", proto.name(), "': typed_config is required"));
  }
  const std::string& type = proto.typed_config().type_url();
  if (type == kRawType) {
    auto raw = protobuf::unpackAny<envoy::extensions::transport_sockets::raw_buffer::v3::RawBuffer>(
        proto.typed_config(), where);
    if (!raw.ok()) return raw.status();
    return nullptr;
  }
  std::string expected = side == TransportSide::kDownstream ? kDownstreamType : kUpstreamType;
  if (type != kDownstreamType && type != kUpstreamType) {
    return protobuf::withContext(protobuf::unsupportedExtension(proto.name(), proto.typed_config()),
                                 where);
  }
  if (type != expected) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " '", proto.name(), "': unsupported transport socket type '", type, "'",
        (type == kDownstreamType || type == kUpstreamType)
            ? absl::StrCat(" here (",
                           side == TransportSide::kDownstream ? "a listener" : "a cluster",
                           " takes ", expected, ")")
            : ""));
  }
  absl::StatusOr<std::shared_ptr<const tls::TlsContextConfig>> config;
  if (side == TransportSide::kDownstream) {
    auto tls = protobuf::unpackAny<tls::tlsv3::DownstreamTlsContext>(proto.typed_config(), where);
    if (!tls.ok()) return tls.status();
    config = tls::translateDownstreamTlsContext(*tls, owner);
  } else {
    auto tls = protobuf::unpackAny<tls::tlsv3::UpstreamTlsContext>(proto.typed_config(), where);
    if (!tls.ok()) return tls.status();
    config = tls::translateUpstreamTlsContext(*tls, owner);
  }
  std::string tls_where = absl::StrCat(where, " '", kTlsName, "'");
  if (!config.ok()) return protobuf::withContext(config.status(), tls_where);
  std::vector<std::string> names = (*config)->secretNames();
  if (!names.empty() && context.secrets == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(tls_where, ": SDS secrets need a secret manager (none in this context)"));
  }
  auto provider = std::make_shared<tls::TlsContextProvider>(*config, tls::SslStats::create(owner_scope));
  if (auto s = provider->rebuild(context.secrets); !s.ok()) {
    return protobuf::withContext(s, tls_where);
  }
  if (context.secrets != nullptr) context.secrets->registerProvider(provider);
  if (secrets != nullptr) secrets->insert(secrets->end(), names.begin(), names.end());
  return network::TransportSocketFactorySharedPtr(
      std::make_shared<tls::SslSocketFactory>(std::move(provider)));
}

}  // namespace meshproxy::config
