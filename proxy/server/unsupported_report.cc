#include "proxy/server/unsupported_report.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include <cctype>
#include <cstdio>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "envoy/config/bootstrap/v3/bootstrap.pb.h"
#include "proxy/config/bootstrap_loader.h"
#include "proxy/config/cluster_translator.h"
#include "proxy/config/endpoint_translator.h"
#include "proxy/config/extension_registry.h"
#include "proxy/config/listener_translator.h"
#include "proxy/filters/builtin_extensions.h"
#include "proxy/filters/common/rbac/rbac_engine.h"
#include "proxy/protobuf/supported_fields.h"
#include "proxy/protobuf/typed_config.h"
#include "proxy/route/route_supported_fields.h"
#include "proxy/runtime/loader.h"
#include "proxy/server/validate_mode.h"
#include "proxy/tls/tls_context_translator.h"

namespace meshproxy::server {
namespace {

using google::protobuf::Any;
using google::protobuf::Message;
using protobuf::SupportedFields;

constexpr std::string_view kTypePrefix = "type.googleapis.com/";

// An empty table for a type: only an empty config is supported (listener filters, raw_buffer).
const SupportedFields* emptyTable(std::string_view type) {
  static auto* tables = new absl::flat_hash_map<std::string, std::unique_ptr<SupportedFields>>;
  auto& t = (*tables)[std::string(type)];
  if (t == nullptr) {
    t = std::make_unique<SupportedFields>(
        std::initializer_list<SupportedFields::Entry>{SupportedFields::Entry{type, {}}});
  }
  return t.get();
}

// Extensions that translators recognize by type URL outside the ExtensionRegistry (mirrors
// listener_filter_translator.cc, transport_socket_translator.cc, accesslog,
// cluster_translator.cc, overload_config.cc, bootstrap_sections.cc and
// stats_sinks_translator.cc). A null table:
// implemented, its fields checked when it is loaded.
const SupportedFields* knownOutsideRegistry(std::string_view type, bool* known) {
  *known = true;
  if (type == "envoy.extensions.filters.listener.original_dst.v3.OriginalDst" ||
      type == "envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector" ||
      type == "envoy.extensions.filters.listener.http_inspector.v3.HttpInspector" ||
      type == "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer" ||
      type == "envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate") {
    return emptyTable(type);
  }
  if (type == "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext" ||
      type == "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext") {
    return &tls::tlsSupportedFields();
  }
  if (type == "envoy.extensions.access_loggers.file.v3.FileAccessLog" ||
      type == "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog" ||
      type == "envoy.extensions.access_loggers.stream.v3.StderrAccessLog" ||
      type == "envoy.extensions.upstreams.http.v3.HttpProtocolOptions" ||
      // overload_config.cc and bootstrap_sections.cc read these by type URL.
      type == "envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig" ||
      type ==
          "envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig" ||
      type == "envoy.extensions.bootstrap.internal_listener.v3.InternalListener" ||
      // stats_sinks_translator.cc: statsd and DogStatsD over UDP.
      type == "envoy.config.metrics.v3.StatsdSink" ||
      type == "envoy.config.metrics.v3.DogStatsdSink") {
    return nullptr;
  }
  *known = false;
  return nullptr;
}

// Tables for fields a table delegates ("listeners*"), by message type.
const SupportedFields* delegateTable(const google::protobuf::Descriptor& type) {
  const std::string& name = type.full_name();
  if (name == "envoy.config.listener.v3.Listener") return &config::listenerSupportedFields();
  if (name == "envoy.config.cluster.v3.Cluster") return &config::clusterSupportedFields();
  if (name == "envoy.config.endpoint.v3.ClusterLoadAssignment") {
    return &config::endpointSupportedFields();
  }
  if (name == "envoy.config.route.v3.RouteConfiguration") return &route::routeConfigurationFields();
  if (name == "envoy.config.rbac.v3.RBAC") return &filters::rbac::rbacSupportedFields();
  return nullptr;
}

// The name an extension is configured under: the `name` of the message holding the Any, or the
// map key (typed_per_filter_config) the path ends with.
std::string extensionName(const Message& owner, const std::string& path) {
  if (!path.empty() && path.back() == ']') {
    size_t open = path.rfind('[');
    std::string key = path.substr(open + 1, path.size() - open - 2);
    if (!key.empty() && !std::isdigit(static_cast<unsigned char>(key[0]))) return key;
  }
  const auto* field = owner.GetDescriptor()->FindFieldByName("name");
  if (field != nullptr && field->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
      !field->is_repeated()) {
    return owner.GetReflection()->GetString(owner, field);
  }
  return "";
}

class Walker {
 public:
  explicit Walker(UnsupportedReport& report) : report_(report) {
    hooks_.delegate = [](const google::protobuf::Descriptor& type) { return delegateTable(type); };
    hooks_.any = [this](const Any& any, const std::string& path, const Message& owner) {
      onAny(any, path, owner);
    };
  }

  void walk(const Message& message, const SupportedFields& table) {
    table.collect(message, "", hooks_, &report_.fields);
  }

 private:
  void onAny(const Any& any, const std::string& path, const Message& owner) {
    const std::string url = protobuf::extensionTypeUrl(any);
    std::string_view type = url;
    if (type.starts_with(kTypePrefix)) type.remove_prefix(kTypePrefix.size());
    const SupportedFields* table = nullptr;
    bool known = false;
    auto& registry = config::ExtensionRegistry::global();
    // A filter, or the per-route config of one (typed_per_filter_config, a route's cors).
    if (!protobuf::isTypedStruct(any) &&
        (registry.networkFilter(url) != nullptr || registry.httpFilter(url) != nullptr ||
         registry.perRouteFilterConfig(url) != nullptr)) {
      known = true;
      table = registry.supportedFields(url);
    } else if (!protobuf::isTypedStruct(any)) {
      table = knownOutsideRegistry(type, &known);
    }
    if (!known) {
      // Envoy skips an optional HTTP filter it does not know, and so does meshproxy.
      const auto* optional = owner.GetDescriptor()->FindFieldByName("is_optional");
      if (optional != nullptr && optional->type() == google::protobuf::FieldDescriptor::TYPE_BOOL &&
          owner.GetReflection()->GetBool(owner, optional)) {
        return;
      }
      report_.extensions.push_back(
          absl::StrCat("'", extensionName(owner, path), "' (", url, ") at ", path));
      return;
    }
    if (table == nullptr) return;
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
            std::string(type));
    if (descriptor == nullptr) return;
    std::unique_ptr<Message> config(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
    if (!any.UnpackTo(config.get())) {
      report_.fields.push_back(absl::StrCat(path, ": cannot parse ", url));
      return;
    }
    table->collect(*config, path, hooks_, &report_.fields);
  }

  UnsupportedReport& report_;
  SupportedFields::CollectHooks hooks_;
};

}  // namespace

UnsupportedReport reportUnsupported(const envoy::config::bootstrap::v3::Bootstrap& bootstrap) {
  filters::registerBuiltinExtensions();
  UnsupportedReport report;
  Walker(report).walk(bootstrap, config::bootstrapSupportedFields());
  if (auto loader = runtime::Loader::create(bootstrap); loader.ok()) {
    for (const auto& key : (*loader)->unreadEnvoyKeys()) {
      report.warnings.push_back(absl::StrCat(
          "runtime key '", key, "' is Envoy's own setting; meshproxy does not read it"));
    }
  }
  return report;
}

int runPrintUnsupported(const Options& options) {
  const std::string& path = options.print_unsupported;
  auto bootstrap = config::readBootstrapFileUnchecked(path);
  if (!bootstrap.ok()) {
    std::printf("%s: cannot be read: %s\n", path.c_str(),
                std::string(bootstrap.status().message()).c_str());
    return 1;
  }
  UnsupportedReport report = reportUnsupported(*bootstrap);
  for (const auto& f : report.fields) std::printf("unsupported field: %s\n", f.c_str());
  for (const auto& e : report.extensions) std::printf("unsupported extension: %s\n", e.c_str());
  for (const auto& w : report.warnings) std::printf("warning: %s\n", w.c_str());
  if (!report.empty()) {
    std::printf("%s: %zu unsupported field(s), %zu unsupported extension(s)\n", path.c_str(),
                report.fields.size(), report.extensions.size());
    return 1;
  }
  // Every field is one meshproxy implements; what validate mode checks beyond fields (values,
  // references, certificate files, extension contents checked only when translated) decides.
  Options validate = options;
  validate.config_path = path;
  if (auto s = validateConfig(validate); !s.ok()) {
    std::printf(
        "error: %s\n%s: no unsupported field or extension, but the config does not "
        "load (above)\n",
        std::string(s.message()).c_str(), path.c_str());
    return 1;
  }
  std::printf("%s: no unsupported field or extension\n", path.c_str());
  return 0;
}

}  // namespace meshproxy::server
