#include "proxy/admin/config_dump.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "envoy/config/core/v3/base.pb.h"
#include "envoy/extensions/transport_sockets/tls/v3/secret.pb.h"
#include "proxy/core/json.h"
#include "proxy/core/strings.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::admin {

namespace {
std::string timeJson(std::chrono::system_clock::time_point t) {
  return jsonString(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromChrono(t), absl::UTCTimeZone()));
}

// The message as an Any in JSON: its fields after an "@type".
std::string typed(const google::protobuf::Message& proto) {
  std::string body = protobuf::messageToJson(proto);
  std::string out =
      absl::StrCat("{\"@type\":\"type.googleapis.com/", proto.GetDescriptor()->full_name(), "\"");
  if (body.size() > 2)
    absl::StrAppend(&out, ",", body.substr(1));
  else
    out += "}";
  return out;
}

// {"version_info":..., "<field>":..., "last_updated":...}: a dynamic resource's state.
std::string state(const DumpedResource& r, std::string_view field) {
  return absl::StrCat("{\"version_info\":", jsonString(r.version), ",\"", toAbsl(field),
                      "\":", typed(*r.proto), ",\"last_updated\":", timeJson(r.last_updated), "}");
}

std::string staticResource(const DumpedResource& r, std::string_view field) {
  return absl::StrCat("{\"", toAbsl(field), "\":", typed(*r.proto),
                      ",\"last_updated\":", timeJson(r.last_updated), "}");
}

void redact(envoy::config::core::v3::DataSource& source) {
  if (source.has_inline_bytes()) source.set_inline_bytes("[redacted]");
  if (source.has_inline_string()) source.set_inline_string("[redacted]");
}

envoy::extensions::transport_sockets::tls::v3::Secret redacted(
    envoy::extensions::transport_sockets::tls::v3::Secret secret) {
  if (secret.has_tls_certificate()) {
    auto* cert = secret.mutable_tls_certificate();
    if (cert->has_private_key()) redact(*cert->mutable_private_key());
    if (cert->has_password()) redact(*cert->mutable_password());
  }
  return secret;
}

// Private keys and passwords in plain (non-Any) fields of `message`, e.g. the bootstrap's
// static_resources.secrets, become "[redacted]" as in the SecretsConfigDump.
void redactKeys(google::protobuf::Message& message) {
  const auto* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const bool secret_source =
        field->message_type()->full_name() == "envoy.config.core.v3.DataSource" &&
        (field->name() == "private_key" || field->name() == "password");
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        redactKeys(*reflection->MutableRepeatedMessage(&message, field, i));
      }
    } else if (secret_source) {
      redact(static_cast<envoy::config::core::v3::DataSource&>(
          *reflection->MutableMessage(&message, field)));
    } else {
      redactKeys(*reflection->MutableMessage(&message, field));
    }
  }
}

template <typename T, typename F>
void appendList(std::string& out, const std::vector<T>& items, F render) {
  out += "[";
  for (size_t i = 0; i < items.size(); ++i) absl::StrAppend(&out, i ? "," : "", render(items[i]));
  out += "]";
}

std::string listener(const DumpedListener& l) {
  std::string item = absl::StrCat("{\"name\":", jsonString(l.name));
  if (l.active) absl::StrAppend(&item, ",\"active_state\":", state(*l.active, "listener"));
  if (l.warming) absl::StrAppend(&item, ",\"warming_state\":", state(*l.warming, "listener"));
  if (l.draining) absl::StrAppend(&item, ",\"draining_state\":", state(*l.draining, "listener"));
  item += "}";
  return item;
}

std::string secret(const DumpedSecret& s) {
  return absl::StrCat("{\"name\":", jsonString(s.name), ",\"version_info\":", jsonString(s.version),
                      ",\"last_updated\":", timeJson(s.last_updated),
                      ",\"secret\":", typed(redacted(*s.secret)), "}");
}
}  // namespace

std::string renderConfigDump(const ConfigDumpSections& d) {
  auto as = [](std::string_view field, bool dynamic) {
    return [field, dynamic](const DumpedResource& r) {
      return dynamic ? state(r, field) : staticResource(r, field);
    };
  };
  std::string out = "{\"configs\":[";
  absl::StrAppend(
      &out, "{\"@type\":\"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\",\"bootstrap\":",
      [&] {
        std::unique_ptr<google::protobuf::Message> bootstrap(d.bootstrap->New());
        bootstrap->CopyFrom(*d.bootstrap);
        redactKeys(*bootstrap);
        return protobuf::messageToJson(*bootstrap);
      }(),
      "}");
  absl::StrAppend(&out, ",{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\"");
  if (d.clusters_version)
    absl::StrAppend(&out, ",\"version_info\":", jsonString(*d.clusters_version));
  out += ",\"static_clusters\":";
  appendList(out, d.static_clusters, as("cluster", false));
  out += ",\"dynamic_active_clusters\":";
  appendList(out, d.dynamic_active_clusters, as("cluster", true));
  out += ",\"dynamic_warming_clusters\":";
  appendList(out, d.dynamic_warming_clusters, as("cluster", true));
  out += "},{\"@type\":\"type.googleapis.com/envoy.admin.v3.ListenersConfigDump\"";
  if (d.listeners_version)
    absl::StrAppend(&out, ",\"version_info\":", jsonString(*d.listeners_version));
  out += ",\"static_listeners\":";
  appendList(out, d.static_listeners, as("listener", false));
  out += ",\"dynamic_listeners\":";
  appendList(out, d.dynamic_listeners, listener);
  out +=
      "},{\"@type\":\"type.googleapis.com/"
      "envoy.admin.v3.RoutesConfigDump\",\"dynamic_route_configs\":";
  appendList(out, d.dynamic_route_configs, as("route_config", true));
  out +=
      "},{\"@type\":\"type.googleapis.com/"
      "envoy.admin.v3.EndpointsConfigDump\",\"dynamic_endpoint_configs\":";
  appendList(out, d.dynamic_endpoint_configs, as("endpoint_config", true));
  out +=
      "},{\"@type\":\"type.googleapis.com/"
      "envoy.admin.v3.SecretsConfigDump\",\"dynamic_active_secrets\":";
  appendList(out, d.dynamic_active_secrets, secret);
  out += ",\"dynamic_warming_secrets\":";
  appendList(out, d.dynamic_warming_secrets, [](const std::string& name) {
    return absl::StrCat("{\"name\":", jsonString(name), "}");
  });
  out += "}]}";
  return out;
}

}  // namespace meshproxy::admin
