#include "proxy/config/listener_translator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "proxy/config/address_translator.h"
#include "proxy/config/extension_registry.h"
#include "proxy/config/filter_chain_match_translator.h"
#include "proxy/config/listener_filter_translator.h"
#include "proxy/config/transport_socket_translator.h"
#include "proxy/protobuf/common_supported_fields.h"
#include "proxy/protobuf/proto_util.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::config {
namespace {

using envoy::config::listener::v3::Listener;

const protobuf::SupportedFields& listenerFields() {
  static const protobuf::SupportedFields fields = [] {
    protobuf::SupportedFields f = {
        {"envoy.config.listener.v3.Listener",
         {"name", "address", "filter_chains", "default_filter_chain",
          "per_connection_buffer_limit_bytes", "stat_prefix", "traffic_direction",
          "listener_filters", "listener_filters_timeout", "continue_on_listener_filters_timeout",
          "use_original_dst", "bind_to_port", "transparent", "freebind"}},
        {"envoy.config.listener.v3.FilterChain",
         {"name", "filters", "transport_socket", "filter_chain_match"}},
        {"envoy.config.listener.v3.FilterChainMatch",
         {"destination_port", "prefix_ranges", "server_names", "transport_protocol",
          "application_protocols", "source_type", "source_prefix_ranges", "source_ports"}},
        {"envoy.config.core.v3.CidrRange", {"address_prefix", "prefix_len"}},
        // The filter's typed_config is checked by the listener filter translator.
        {"envoy.config.listener.v3.ListenerFilter", {"name", "typed_config"}},
        {"envoy.config.listener.v3.Filter", {"name", "typed_config"}},
        {"envoy.config.core.v3.TransportSocket", {"name", "typed_config"}},
    };
    f.merge(protobuf::commonSupportedFields());
    return f;
  }();
  return fields;
}

std::shared_ptr<const network::ListenerStats> makeStats(TranslationContext& context,
                                                        const std::string& stat_name) {
  stats::Scope s = context.stats.scope("listener", stat_name);
  network::ListenerStats st{s.counter("downstream_cx_total"),
                            s.gauge("downstream_cx_active"),
                            s.counter("downstream_cx_destroy"),
                            s.counter("no_filter_chain_match"),
                            s.counter("downstream_pre_cx_timeout"),
                            s.gauge("downstream_pre_cx_active"),
                            {}};
  for (uint32_t w = 0; w < context.concurrency; ++w) {
    stats::Scope ws = s.workerScope(w);
    st.workers.push_back({ws.counter("downstream_cx_total"), ws.gauge("downstream_cx_active")});
  }
  return std::make_shared<const network::ListenerStats>(std::move(st));
}

std::shared_ptr<const network::ListenerFilterStats> makeListenerFilterStats(
    TranslationContext& context, const std::string& stat_name) {
  stats::Scope s = context.stats.scope("listener", stat_name);
  return std::make_shared<const network::ListenerFilterStats>(network::ListenerFilterStats{
      s.counter("tls_inspector.tls_found"), s.counter("tls_inspector.tls_not_found"),
      s.counter("tls_inspector.sni_found"), s.counter("tls_inspector.alpn_found"),
      s.counter("tls_inspector.client_hello_too_large"), s.counter("http_inspector.http10_found"),
      s.counter("http_inspector.http11_found"), s.counter("http_inspector.http2_found"),
      s.counter("http_inspector.http_not_found"), s.counter("original_dst.restored"),
      s.counter("original_dst.handed_off")});
}

absl::StatusOr<std::shared_ptr<const network::FilterChain>> translateFilterChain(
    const envoy::config::listener::v3::FilterChain& proto, TranslationContext& context,
    const std::string& where, const std::string& listener_name, const std::string& stat_name) {
  auto chain = std::make_shared<network::FilterChain>();
  chain->name = proto.name();
  if (proto.has_transport_socket()) {
    auto transport = translateTransportSocket(
        proto.transport_socket(), TransportSide::kDownstream,
        context.stats.scope("listener", stat_name), context,
        context.dependencies == nullptr ? nullptr : &context.dependencies->secrets,
        absl::StrCat("listener '", listener_name, "'"));
    if (!transport.ok()) return protobuf::withContext(transport.status(), where);
    chain->transport_socket = std::move(*transport);
  }
  if (proto.filters_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": a filter chain needs filters"));
  }
  for (int i = 0; i < proto.filters_size(); ++i) {
    const auto& filter = proto.filters(i);
    std::string fwhere = absl::StrCat(where, ".filters[", i, "] '", filter.name(), "'");
    if (!filter.has_typed_config()) {
      return absl::InvalidArgumentError(absl::StrCat(fwhere, ": typed_config is required"));
    }
    const auto* translator = findNetworkFilter(filter.typed_config().type_url());
    if (translator == nullptr) {
      return protobuf::withContext(
          protobuf::unsupportedExtension(filter.name(), filter.typed_config()), fwhere);
    }
    auto factory = (*translator)(filter.typed_config(), context);
    if (!factory.ok()) return protobuf::withContext(factory.status(), fwhere);
    chain->filter_factories.push_back(std::move(*factory));
  }
  return std::shared_ptr<const network::FilterChain>(std::move(chain));
}

}  // namespace

std::string listenerStatName(const Listener& proto) {
  if (!proto.stat_prefix().empty()) return proto.stat_prefix();
  const auto& sa = proto.address().socket_address();
  return absl::StrReplaceAll(absl::StrCat(sa.address(), ":", sa.port_value()), {{":", "_"}});
}

absl::StatusOr<std::shared_ptr<const network::ListenerConfig>> translateListener(
    const Listener& input, TranslationContext& context) {
  if (input.name().empty()) return absl::InvalidArgumentError("listener without a name");
  std::string where = absl::StrCat("listener '", input.name(), "'");
  // Istio sends filters wrapped in TypedStruct over LDS too; the bootstrap loader unwraps its
  // own, LDS resources are unwrapped here.
  auto unwrapped = protobuf::withTypedStructsUnwrapped(input);
  if (!unwrapped.ok()) return protobuf::withContext(unwrapped.status(), where);
  const Listener& proto = unwrapped->has_value() ? **unwrapped : input;
  if (auto s = listenerFields().check(proto); !s.ok()) return protobuf::withContext(s, where);

  auto config = std::make_shared<network::ListenerConfig>();
  config->name = proto.name();
  auto address = translateAddress(proto.address(), where + " address");
  if (!address.ok()) return address.status();
  config->address = *address;
  if (proto.has_per_connection_buffer_limit_bytes()) {
    config->per_connection_buffer_limit = proto.per_connection_buffer_limit_bytes().value();
  }
  if (proto.filter_chains_size() == 0 && !proto.has_default_filter_chain()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": no filter_chains"));
  }
  std::string stat_name = listenerStatName(proto);
  ListenerDependencies deps;
  ListenerDependencies* saved = context.dependencies;
  context.dependencies = &deps;
  std::vector<network::FilterChainMatcher::Entry> entries;
  std::shared_ptr<const network::FilterChain> default_chain;
  absl::Status status;
  for (int i = 0; i < proto.filter_chains_size() && status.ok(); ++i) {
    std::string cwhere = absl::StrCat(where, " filter_chains[", i, "]");
    auto match = translateFilterChainMatch(proto.filter_chains(i).filter_chain_match(),
                                           cwhere + ".filter_chain_match");
    if (!match.ok()) {
      status = match.status();
      break;
    }
    auto chain =
        translateFilterChain(proto.filter_chains(i), context, cwhere, proto.name(), stat_name);
    if (!chain.ok()) {
      status = chain.status();
      break;
    }
    entries.push_back({std::move(*match), std::move(*chain)});
  }
  if (status.ok() && proto.has_default_filter_chain()) {
    // Envoy accepts an empty match here (control planes write `filter_chain_match: {}`).
    if (proto.default_filter_chain().has_filter_chain_match() &&
        proto.default_filter_chain().filter_chain_match().ByteSizeLong() != 0) {
      status = absl::InvalidArgumentError(
          absl::StrCat(where, " default_filter_chain: filter_chain_match is not allowed"));
    } else {
      auto chain = translateFilterChain(proto.default_filter_chain(), context,
                                        where + " default_filter_chain", proto.name(), stat_name);
      if (chain.ok()) {
        default_chain = std::move(*chain);
      } else {
        status = chain.status();
      }
    }
  }
  context.dependencies = saved;
  if (!status.ok()) return status;
  auto matcher = network::FilterChainMatcher::create(std::move(entries), std::move(default_chain));
  if (!matcher.ok()) return protobuf::withContext(matcher.status(), where);
  config->chains = std::move(*matcher);
  config->rds_route_configs = std::move(deps.rds_route_configs);
  config->clusters = std::move(deps.clusters);
  config->secrets = std::move(deps.secrets);

  for (int i = 0; i < proto.listener_filters_size(); ++i) {
    auto kind = translateListenerFilter(
        proto.listener_filters(i),
        absl::StrCat(where, " listener_filters[", i, "] '", proto.listener_filters(i).name(), "'"));
    if (!kind.ok()) return kind.status();
    config->listener_filters.push_back(*kind);
  }
  if (proto.has_listener_filters_timeout()) {
    config->listener_filters_timeout = protobuf::toMilliseconds(proto.listener_filters_timeout());
  }
  config->continue_on_listener_filters_timeout = proto.continue_on_listener_filters_timeout();
  config->listener_filter_stats = makeListenerFilterStats(context, stat_name);
  config->use_original_dst = proto.has_use_original_dst() && proto.use_original_dst().value();
  config->bind_to_port = !proto.has_bind_to_port() || proto.bind_to_port().value();
  config->transparent = proto.has_transparent() && proto.transparent().value();
  config->freebind = proto.has_freebind() && proto.freebind().value();
  if (config->use_original_dst &&
      std::find(config->listener_filters.begin(), config->listener_filters.end(),
                network::ListenerFilterKind::kOriginalDst) == config->listener_filters.end()) {
    // As Envoy does (ListenerImpl::buildOriginalDstListenerFilter): use_original_dst adds the
    // original_dst listener filter after the configured ones, since the hand-off needs the
    // address it restores. Istio's virtualOutbound listener relies on this.
    config->listener_filters.push_back(network::ListenerFilterKind::kOriginalDst);
  }
  config->stats = makeStats(context, stat_name);
  config->content_hash = protobuf::contentHash(proto);
  return std::shared_ptr<const network::ListenerConfig>(std::move(config));
}

}  // namespace meshproxy::config
