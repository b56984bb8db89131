#include "proxy/config/filter_chain_match_translator.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "envoy/config/listener/v3/listener_components.pb.h"

namespace meshproxy::config {
namespace {

using envoy::config::listener::v3::FilterChainMatch;

absl::StatusOr<std::vector<network::CidrRange>> translateRanges(
    const google::protobuf::RepeatedPtrField<envoy::config::core::v3::CidrRange>& ranges,
    const std::string& where) {
  std::vector<network::CidrRange> out;
  for (int i = 0; i < ranges.size(); ++i) {
    auto r =
        network::CidrRange::create(ranges[i].address_prefix(),
                                   ranges[i].has_prefix_len() ? ranges[i].prefix_len().value() : 0);
    if (!r.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, "[", i, "]: ", r.status().message()));
    }
    out.push_back(*r);
  }
  return out;
}

}  // namespace

absl::StatusOr<network::FilterChainMatch> translateFilterChainMatch(const FilterChainMatch& proto,
                                                                    const std::string& where) {
  network::FilterChainMatch m;
  if (proto.has_destination_port()) {
    uint32_t port = proto.destination_port().value();
    if (port < 1 || port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".destination_port: ", port, " is not in 1-65535"));
    }
    m.destination_port = port;
  }
  auto prefixes = translateRanges(proto.prefix_ranges(), where + ".prefix_ranges");
  if (!prefixes.ok()) return prefixes.status();
  m.prefix_ranges = std::move(*prefixes);
  auto sources = translateRanges(proto.source_prefix_ranges(), where + ".source_prefix_ranges");
  if (!sources.ok()) return sources.status();
  m.source_prefix_ranges = std::move(*sources);
  for (const auto& name : proto.server_names()) {
    std::string lower = absl::AsciiStrToLower(name);
    // Envoy allows a wildcard only as the whole first label: "*.example.com".
    size_t star = lower.find('*');
    if (lower.empty() ||
        (star != std::string::npos && (star != 0 || lower.size() < 3 || lower[1] != '.' ||
                                       lower.find('*', 1) != std::string::npos))) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".server_names: '", name, "' is not a host name or a '*.suffix' wildcard"));
    }
    m.server_names.push_back(std::move(lower));
  }
  m.transport_protocol = proto.transport_protocol();
  for (const auto& p : proto.application_protocols()) m.application_protocols.push_back(p);
  switch (proto.source_type()) {
    case FilterChainMatch::ANY:
      m.source_type = network::SourceType::kAny;
      break;
    case FilterChainMatch::SAME_IP_OR_LOOPBACK:
      m.source_type = network::SourceType::kSameIpOrLoopback;
      break;
    case FilterChainMatch::EXTERNAL:
      m.source_type = network::SourceType::kExternal;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(where, ".source_type: unknown value"));
  }
  for (uint32_t p : proto.source_ports()) {
    if (p < 1 || p > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".source_ports: ", p, " is not in 1-65535"));
    }
    m.source_ports.push_back(p);
  }
  return m;
}

}  // namespace meshproxy::config
