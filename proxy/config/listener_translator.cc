#include "proxy/config/listener_translator.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "envoy/config/listener/v3/listener.pb.h"
#include "proxy/config/address_translator.h"
#include "proxy/config/common_supported_fields.h"
#include "proxy/config/network_filter_registry.h"
#include "proxy/config/proto_util.h"
#include "proxy/tls/transport_socket_translator.h"

namespace meshproxy::config {
namespace {

using envoy::config::listener::v3::Listener;

const SupportedFields& listenerFields() {
  static const SupportedFields fields = [] {
    SupportedFields f = {
        {"envoy.config.listener.v3.Listener",
         {"name", "address", "filter_chains", "per_connection_buffer_limit_bytes", "stat_prefix",
          "traffic_direction"}},
        {"envoy.config.listener.v3.FilterChain", {"name", "filters", "transport_socket"}},
        {"envoy.config.listener.v3.Filter", {"name", "typed_config"}},
        {"envoy.config.core.v3.TransportSocket", {"name", "typed_config"}},
    };
    f.merge(commonSupportedFields());
    return f;
  }();
  return fields;
}

std::shared_ptr<const network::ListenerStats> makeStats(TranslationContext& context,
                                                        const std::string& stat_name) {
  stats::Scope s = context.stats.scope("listener", stat_name);
  network::ListenerStats st{s.counter("downstream_cx_total"), s.gauge("downstream_cx_active"),
                            s.counter("downstream_cx_destroy"), s.counter("no_filter_chain_match"),
                            {}};
  for (uint32_t w = 0; w < context.concurrency; ++w) {
    stats::Scope ws = s.workerScope(w);
    st.workers.push_back({ws.counter("downstream_cx_total"), ws.gauge("downstream_cx_active")});
  }
  return std::make_shared<const network::ListenerStats>(std::move(st));
}

absl::StatusOr<std::shared_ptr<const network::FilterChain>> translateFilterChain(
    const envoy::config::listener::v3::FilterChain& proto, TranslationContext& context,
    const std::string& where, const std::string& listener_name, const std::string& stat_name) {
  auto chain = std::make_shared<network::FilterChain>();
  chain->name = proto.name();
  if (proto.has_transport_socket()) {
    auto transport = tls::translateTransportSocket(
        proto.transport_socket(), tls::TransportSide::kDownstream,
        context.stats.scope("listener", stat_name), context,
        context.dependencies == nullptr ? nullptr : &context.dependencies->secrets,
        absl::StrCat("listener '", listener_name, "'"));
    if (!transport.ok()) return withContext(transport.status(), where);
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
      return absl::InvalidArgumentError(absl::StrCat(
          fwhere, ": unsupported network filter type '", filter.typed_config().type_url(), "'"));
    }
    auto factory = (*translator)(filter.typed_config(), context);
    if (!factory.ok()) return withContext(factory.status(), fwhere);
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
    const Listener& proto, TranslationContext& context) {
  if (proto.name().empty()) return absl::InvalidArgumentError("listener without a name");
  std::string where = absl::StrCat("listener '", proto.name(), "'");
  if (auto s = listenerFields().check(proto); !s.ok()) return withContext(s, where);

  auto config = std::make_shared<network::ListenerConfig>();
  config->name = proto.name();
  auto address = translateAddress(proto.address(), where + " address");
  if (!address.ok()) return address.status();
  config->address = *address;
  if (proto.has_per_connection_buffer_limit_bytes()) {
    config->per_connection_buffer_limit = proto.per_connection_buffer_limit_bytes().value();
  }
  if (proto.filter_chains_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": no filter_chains"));
  }
  if (proto.filter_chains_size() > 1) {
    // Several chains need filter_chain_match, which comes with transparent capture.
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unsupported: more than one filter chain (filter_chain_match)"));
  }
  ListenerDependencies deps;
  ListenerDependencies* saved = context.dependencies;
  context.dependencies = &deps;
  auto chain = translateFilterChain(proto.filter_chains(0), context, where + " filter_chains[0]",
                                    proto.name(), listenerStatName(proto));
  context.dependencies = saved;
  if (!chain.ok()) return chain.status();
  config->rds_route_configs = std::move(deps.rds_route_configs);
  config->clusters = std::move(deps.clusters);
  config->secrets = std::move(deps.secrets);
  config->filter_chain = *chain;
  config->stats = makeStats(context, listenerStatName(proto));
  config->content_hash = contentHash(proto);
  return std::shared_ptr<const network::ListenerConfig>(std::move(config));
}

}  // namespace meshproxy::config
