#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/tls/tls_context_config.h"

namespace envoy::config::core::v3 {
class DataSource;
}
namespace envoy::extensions::transport_sockets::tls::v3 {
class CertificateValidationContext;
class DownstreamTlsContext;
class TlsCertificate;
class UpstreamTlsContext;
}  // namespace envoy::extensions::transport_sockets::tls::v3

// Config time: the TLS protos (contexts and SDS secrets) into TlsContextConfig and its
// parts. Errors name the field; unsupported fields are refused ("unsupported field ...").
namespace meshproxy::tls {

namespace tlsv3 = envoy::extensions::transport_sockets::tls::v3;

// Fields of the TLS messages meshproxy implements (contexts and Secret).
const protobuf::SupportedFields& tlsSupportedFields();

absl::StatusOr<DataSourceSpec> translateDataSource(const envoy::config::core::v3::DataSource& proto,
                                                   std::string_view field);
absl::StatusOr<CertificateSpec> translateTlsCertificate(const tlsv3::TlsCertificate& proto);
absl::StatusOr<ValidationSpec> translateValidationContext(
    const tlsv3::CertificateValidationContext& proto);

// `owner` names the listener or cluster in messages ("listener 'inbound'").
absl::StatusOr<std::shared_ptr<const TlsContextConfig>> translateDownstreamTlsContext(
    const tlsv3::DownstreamTlsContext& proto, std::string owner);
absl::StatusOr<std::shared_ptr<const TlsContextConfig>> translateUpstreamTlsContext(
    const tlsv3::UpstreamTlsContext& proto, std::string owner);

}  // namespace meshproxy::tls
