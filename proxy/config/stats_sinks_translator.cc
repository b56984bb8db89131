#include "proxy/config/stats_sinks_translator.h"

#include "absl/strings/str_cat.h"
#include "envoy/config/metrics/v3/stats.pb.h"
#include "proxy/config/address_translator.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::config {
namespace {

using envoy::config::metrics::v3::DogStatsdSink;
using envoy::config::metrics::v3::StatsdSink;

constexpr char kStatsdType[] = "type.googleapis.com/envoy.config.metrics.v3.StatsdSink";
constexpr char kDogStatsdType[] = "type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink";
// Envoy's bounds on stats_flush_interval.
constexpr std::chrono::milliseconds kMinFlushInterval{1};
constexpr std::chrono::milliseconds kMaxFlushInterval{300000};

absl::StatusOr<network::Address> udpAddress(const envoy::config::core::v3::Address& proto,
                                            const std::string& where) {
  if (!proto.has_socket_address()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".address: needs a socket_address (a UDP destination)"));
  }
  // The UDP protocol is what a statsd address means; the TCP default of the proto is fine.
  envoy::config::core::v3::Address tcp = proto;
  tcp.mutable_socket_address()->set_protocol(envoy::config::core::v3::SocketAddress::TCP);
  auto address = translateAddress(tcp, where + ".address");
  if (!address.ok()) return address.status();
  if (address->ephemeral()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ".address: port_value must not be 0"));
  }
  return address;
}

}  // namespace

absl::StatusOr<StatsSinkSettings> translateStatsSinks(
    const envoy::config::bootstrap::v3::Bootstrap& bootstrap) {
  StatsSinkSettings out;
  if (bootstrap.has_stats_flush_interval()) {
    out.flush_interval = protobuf::toMilliseconds(bootstrap.stats_flush_interval());
    if (out.flush_interval < kMinFlushInterval || out.flush_interval >= kMaxFlushInterval) {
      return absl::InvalidArgumentError(
          "stats_flush_interval must be at least 1ms and less than 300s");
    }
  }
  for (int i = 0; i < bootstrap.stats_sinks_size(); ++i) {
    const auto& sink = bootstrap.stats_sinks(i);
    const std::string where = absl::StrCat("stats_sinks[", i, "] '", sink.name(), "'");
    const std::string& type = sink.typed_config().type_url();
    StatsdSinkConfig config;
    config.name = sink.name();
    if (type == kStatsdType) {
      auto proto = protobuf::unpackAny<StatsdSink>(sink.typed_config(), where);
      if (!proto.ok()) return proto.status();
      if (proto->statsd_specifier_case() == StatsdSink::kTcpClusterName) {
        return absl::InvalidArgumentError(absl::StrCat(
            "unsupported field '", where,
            ".tcp_cluster_name' (envoy.config.metrics.v3.StatsdSink.tcp_cluster_name): "
            "statsd over TCP is not implemented; use address (UDP)"));
      }
      if (!proto->has_address()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": address is required"));
      }
      auto address = udpAddress(proto->address(), where);
      if (!address.ok()) return address.status();
      config.address = *address;
      if (!proto->prefix().empty()) config.format.prefix = proto->prefix();
    } else if (type == kDogStatsdType) {
      auto proto = protobuf::unpackAny<DogStatsdSink>(sink.typed_config(), where);
      if (!proto.ok()) return proto.status();
      if (!proto->has_address()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": address is required"));
      }
      auto address = udpAddress(proto->address(), where);
      if (!address.ok()) return address.status();
      config.address = *address;
      config.format.tags = true;
      if (!proto->prefix().empty()) config.format.prefix = proto->prefix();
      // Unset: one line per datagram, as Envoy sends them then.
      if (proto->has_max_bytes_per_datagram()) {
        if (proto->max_bytes_per_datagram().value() == 0) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": max_bytes_per_datagram must be > 0"));
        }
        config.max_bytes_per_datagram = proto->max_bytes_per_datagram().value();
      }
    } else {
      return protobuf::withContext(protobuf::unsupportedExtension(sink.name(), sink.typed_config()),
                                   absl::StrCat("stats_sinks[", i, "]"));
    }
    out.sinks.push_back(std::move(config));
  }
  return out;
}

const protobuf::SupportedFields& statsSinksSupportedFields() {
  // stats_sinks[].typed_config is checked above by type (an Any is not entered).
  static const protobuf::SupportedFields fields = {
      {"envoy.config.bootstrap.v3.Bootstrap", {"stats_sinks", "stats_flush_interval"}},
      {"envoy.config.metrics.v3.StatsSink", {"name", "typed_config"}},
  };
  return fields;
}

}  // namespace meshproxy::config
