#include "proxy/config/bootstrap_defaults.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "envoy/extensions/access_loggers/file/v3/file.pb.h"
#include "proxy/protobuf/typed_config.h"

namespace meshproxy::config {
namespace {

using envoy::config::bootstrap::v3::Bootstrap;
using envoy::extensions::access_loggers::file::v3::FileAccessLog;

constexpr char kFileAccessLogType[] =
    "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";

std::string addressName(const envoy::config::core::v3::Address& address) {
  if (address.has_socket_address()) {
    const auto& sa = address.socket_address();
    return absl::StrCat(sa.address(), "_", sa.port_value());
  }
  if (address.has_pipe()) return address.pipe().path();
  return "listener";
}

void nameListeners(Bootstrap& bootstrap) {
  auto* listeners = bootstrap.mutable_static_resources()->mutable_listeners();
  absl::flat_hash_set<std::string> taken;
  for (const auto& l : *listeners) {
    if (!l.name().empty()) taken.insert(l.name());
  }
  for (auto& l : *listeners) {
    if (!l.name().empty()) continue;
    std::string base = addressName(l.address());
    std::string name = base;
    for (int i = 1; taken.contains(name); ++i) name = absl::StrCat(base, "_", i);
    taken.insert(name);
    l.set_name(name);
  }
}

// A file access log to /dev/null with no filter writes nothing: dropping it is exact.
bool isDevNullFileLog(const envoy::config::accesslog::v3::AccessLog& log) {
  if (log.has_filter() || log.typed_config().type_url() != kFileAccessLogType) return false;
  FileAccessLog file;
  return log.typed_config().UnpackTo(&file) && file.path() == "/dev/null";
}

void mapAdminAccessLog(Bootstrap& bootstrap) {
  if (!bootstrap.has_admin()) return;
  auto* admin = bootstrap.mutable_admin();
  if (!admin->access_log_path().empty()) {
    FileAccessLog file;
    file.set_path(admin->access_log_path());
    auto* log = admin->add_access_log();
    log->set_name("envoy.access_loggers.file");
    log->mutable_typed_config()->PackFrom(file);
    admin->clear_access_log_path();
  }
  auto* logs = admin->mutable_access_log();
  for (int i = logs->size() - 1; i >= 0; --i) {
    if (isDevNullFileLog(logs->Get(i))) logs->DeleteSubrange(i, 1);
  }
}

}  // namespace

absl::Status applyEnvoyDefaults(Bootstrap& bootstrap) {
  if (auto s = protobuf::unwrapTypedStructs(bootstrap); !s.ok()) return s;
  nameListeners(bootstrap);
  mapAdminAccessLog(bootstrap);
  return absl::OkStatus();
}

}  // namespace meshproxy::config
