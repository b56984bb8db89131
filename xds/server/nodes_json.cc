#include "xds/server/nodes_json.h"

#include "absl/strings/str_cat.h"
#include "proxy/core/json.h"
#include "xds/server/json_text.h"
#include "xds/server/type_urls.h"

namespace meshproxy::xds_server {
namespace {

std::string typeJson(const TypeStatus& t) {
  std::string names = "[";
  for (const auto& name : t.subscription.names()) {
    absl::StrAppend(&names, names.size() > 1 ? "," : "", jsonString(name));
  }
  names += "]";
  std::string nack = "null";
  if (t.last_nack) {
    nack = absl::StrCat("{\"version\":", jsonString(t.last_nack->version),
                        ",\"message\":", jsonString(t.last_nack->message),
                        ",\"time\":", jsonTime(t.last_nack->time), "}");
  }
  return absl::StrCat(
      "{\"type_url\":", jsonString(t.type_url), ",\"type\":", jsonString(shortTypeName(t.type_url)),
      ",\"wildcard\":", t.subscription.wildcard() ? "true" : "false", ",\"resource_names\":", names,
      ",\"version_sent\":", jsonString(t.version_sent), ",\"nonce\":", jsonString(t.nonce_sent),
      ",\"resources_sent\":", t.resources_sent, ",\"sent_at\":", jsonTime(t.sent_at),
      ",\"acked_version\":", jsonString(t.acked_version), ",\"acked_at\":", jsonTime(t.acked_at),
      ",\"last_nack\":", nack, ",\"requests\":", t.requests, ",\"acks\":", t.acks,
      ",\"nacks\":", t.nacks, ",\"stale_requests\":", t.stale, "}");
}

std::string streamJson(const StreamInfo& s,
                       const std::function<std::string(const std::string&)>& certificate) {
  std::string cert = certificate ? certificate(s.node_id) : "";
  std::string types = "[";
  for (const auto& [url, status] : s.types) {
    absl::StrAppend(&types, types.size() > 1 ? "," : "", typeJson(status));
  }
  types += "]";
  return absl::StrCat(
      "{\"id\":", jsonString(s.node_id), ",\"cluster\":", jsonString(s.cluster),
      ",\"metadata\":", s.metadata_json.empty() ? "{}" : s.metadata_json,
      ",\"user_agent\":", jsonString(s.user_agent), ",\"peer\":", jsonString(s.peer),
      ",\"method\":", jsonString(s.method),
      ",\"stream_id\":", s.stream_id, ",\"connected\":", s.disconnected_at ? "false" : "true",
      ",\"connected_since\":", jsonTime(s.connected_since),
      ",\"disconnected_at\":", s.disconnected_at ? jsonTime(*s.disconnected_at) : "null",
      ",\"types\":", types, cert.empty() ? "" : absl::StrCat(",\"certificate\":", cert), "}");
}

}  // namespace

std::string nodesJson(const NodeRegistry& registry) { return nodesJson(registry, nullptr); }

std::string nodesJson(const NodeRegistry& registry,
                      const std::function<std::string(const std::string&)>& certificate) {
  std::string out = "{\"nodes\":[";
  bool first = true;
  auto append = [&](const StreamInfo& s) {
    absl::StrAppend(&out, first ? "\n" : ",\n", streamJson(s, certificate));
    first = false;
  };
  for (const auto& s : registry.connected()) append(s);
  for (const auto& s : registry.recentlyDisconnected()) append(s);
  out += "\n]}\n";
  return out;
}

}  // namespace meshproxy::xds_server
