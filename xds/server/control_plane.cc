#include "xds/server/control_plane.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <set>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "proxy/core/json.h"
#include "proxy/core/log.h"
#include "proxy/network/address.h"
#include "xds/server/json_text.h"
#include "xds/server/layered_source.h"
#include "xds/server/mesh_layout.h"
#include "xds/server/workload_cert_source.h"

namespace meshproxy::xds_server {
namespace {

// Streams are cancelled before Shutdown() starts; what it then waits for is the clients closing
// their connections after its GOAWAY, which a client holding a finished call may not do. Past
// the deadline grpc closes them itself.
constexpr std::chrono::seconds kGrpcShutdownDeadline(1);

}  // namespace

ControlPlane::ControlPlane(Options options) : options_(std::move(options)) {
  load_.directory = options_.resources_dir;
}

ControlPlane::~ControlPlane() {
  watcher_.reset();
  admin_.reset();
  for (uv_signal_t* s : signals_) {
    uv_close(reinterpret_cast<uv_handle_t*>(s),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_signal_t*>(h); });
  }
  signals_.clear();
}

int ControlPlane::run() {
  log::setThreadName("main");
  if (auto s = start(); !s.ok()) {
    log::critical("{}", s.message());
    if (grpc_server_) {
      services_.cancelAll();
      grpc_server_->Shutdown();
    }
    return 1;
  }
  loop_.run();
  log::info("mesh-control exiting");
  return 0;
}

absl::Status ControlPlane::start() {
  // A missing directory could never be watched into existence: say so now.
  std::error_code ec;
  if (!std::filesystem::is_directory(options_.resources_dir, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--resources ", options_.resources_dir, ": not a directory"));
  }
  if (auto s = startCa(); !s.ok()) return s;
  reload();
  if (auto s = startGrpc(); !s.ok()) return s;
  if (auto s = startAdmin(); !s.ok()) return s;
  watcher_ =
      std::make_unique<DirectoryWatcher>(loop_.uv(), options_.resources_dir, [this] { reload(); });
  watcher_->start();
  installSignalHandlers();
  return absl::OkStatus();
}

absl::Status ControlPlane::startGrpc() {
  grpc::ServerBuilder builder;
  // Ping idle clients so a node that vanished without a FIN (a killed pod) is noticed and
  // leaves /nodes, and accept the keepalive pings sidecars send (grpc's default refuses pings
  // more often than every 5 minutes and would drop the connection).
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10 * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10 * 1000);
  int port = 0;
  builder.AddListeningPort(options_.listen, grpc::InsecureServerCredentials(), &port);
  services_.registerWith(builder);
  grpc_server_ = builder.BuildAndStart();
  if (!grpc_server_ || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot serve gRPC on ", options_.listen));
  }
  auto address = network::Address::parse(options_.listen);
  if (address.ok()) {
    log::info("serving ADS on {}:{}", address->ip(), port);
  } else {
    log::info("serving ADS on {}", options_.listen);
  }
  serving_ = true;
  return absl::OkStatus();
}

absl::Status ControlPlane::startAdmin() {
  auto address = network::Address::parse(options_.admin);
  if (!address.ok()) return address.status();
  admin_ = std::make_unique<admin::AdminServer>(loop_.uv());
  registerAdminEndpoints(*admin_, admin_context_);
  if (auto s = admin_->listen(address->ip(), static_cast<int>(address->port())); !s.ok()) {
    return absl::Status(s.code(),
                        absl::StrCat("admin server on ", options_.admin, ": ", s.message()));
  }
  log::info("admin server on {}:{}", address->ip(), admin_->boundPort());
  return absl::OkStatus();
}

void ControlPlane::installSignalHandlers() {
  std::signal(SIGPIPE, SIG_IGN);
  for (int signum : {SIGTERM, SIGINT}) {
    auto* handle = new uv_signal_t;
    uv_signal_init(loop_.uv(), handle);
    handle->data = this;
    uv_signal_start(
        handle,
        [](uv_signal_t* h, int sig) {
          log::info("received signal {}: shutting down", sig);
          static_cast<ControlPlane*>(h->data)->shutdown();
        },
        signum);
    signals_.push_back(handle);
  }
}

void ControlPlane::reload() {
  DirectoryLoad result = loadResourceDirectory(options_.resources_dir);
  load_.last_attempt_at = absl::Now();
  load_.errors = std::move(result.errors);
  load_.warnings = std::move(result.warnings);
  for (const auto& warning : load_.warnings) log::warn("{}", warning);
  if (!load_.errors.empty()) {
    for (const auto& e : load_.errors) log::error("{}: {}", e.file, e.message);
    if (load_.serving) {
      log::error("resource directory {} has {} error(s): still serving generation {}",
                 options_.resources_dir, load_.errors.size(), load_.generation);
    } else {
      log::error("resource directory {} has {} error(s): serving no resources until it loads",
                 options_.resources_dir, load_.errors.size());
    }
    return;
  }
  load_.serving = std::move(result.resources);
  load_.mesh = std::move(result.mesh);
  load_.files = result.files;
  load_.loaded_at = load_.last_attempt_at;
  ++load_.generation;
  log::info("loaded {} resource(s) from {} file(s) in {} (generation {})", load_.serving->size(),
            result.files, options_.resources_dir, load_.generation);
  store_.publish(composeSources());
}

std::shared_ptr<const ResourceSource> ControlPlane::composeSources() const {
  std::vector<std::shared_ptr<const ResourceSource>> layers;
  // Generated first, so that a file can replace any generated resource by its name.
  if (load_.mesh) {
    layers.push_back(std::make_shared<const MeshLayoutSource>(load_.mesh, options_.trust_domain));
  }
  if (load_.serving) layers.push_back(load_.serving);
  // Last, so `default` and `ROOTCA` always come from the CA.
  if (issuer_ != nullptr) layers.push_back(std::make_shared<const WorkloadCertSource>(issuer_));
  return std::make_shared<const LayeredSource>(std::move(layers));
}

absl::Status ControlPlane::startCa() {
  if (!options_.caEnabled()) return absl::OkStatus();
  auto ca = options_.ca_dir.empty()
                ? CertificateAuthority::load(options_.ca_cert, options_.ca_key)
                : CertificateAuthority::loadOrCreate(options_.ca_dir, options_.trust_domain);
  if (!ca.ok())
    return absl::Status(ca.status().code(), absl::StrCat("CA: ", ca.status().message()));
  issuer_ = std::make_shared<WorkloadCertIssuer>(
      std::shared_ptr<const CertificateAuthority>(std::move(*ca)), options_.trust_domain,
      options_.cert_ttl);
  // Often enough that a certificate is re-issued close to its half-life even with a short TTL.
  auto interval =
      std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(options_.cert_ttl) / 20,
                 std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
  renew_timer_ = std::make_unique<Timer>(loop_.uv(), [this] { renewCertificates(); });
  renew_timer_->enableRepeating(interval);
  log::info("CA: trust domain {}, workload certificates valid {}s (re-issued at half)",
            options_.trust_domain, options_.cert_ttl.count());
  return absl::OkStatus();
}

void ControlPlane::renewCertificates() {
  std::set<std::string> connected;
  for (const auto& s : registry_.connected()) connected.insert(s.node_id);
  // A new source generation makes every stream re-evaluate; only the nodes whose secret
  // changed get a push (the others' versions are the same).
  if (issuer_->renewDue(std::chrono::system_clock::now(), connected))
    store_.publish(composeSources());
}

std::string ControlPlane::nodeCertificateJson(const std::string& node_id) const {
  if (issuer_ == nullptr) return "";  // no CA: no "certificate" field
  auto cert = issuer_->current(node_id);
  if (cert == nullptr) return "null";
  return absl::StrCat("{\"serial\":", jsonString(cert->serial),
                      ",\"spiffe_id\":", jsonString(cert->spiffe_id),
                      ",\"not_before\":", jsonTime(absl::FromChrono(cert->not_before)),
                      ",\"expires\":", jsonTime(absl::FromChrono(cert->not_after)), "}");
}

void ControlPlane::shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  renew_timer_.reset();
  serving_ = false;
  // Streams never end on their own: cancel them, so Shutdown() does not wait out the deadline.
  services_.cancelAll();
  if (grpc_server_) {
    grpc_server_->Shutdown(std::chrono::system_clock::now() + kGrpcShutdownDeadline);
  }
  watcher_.reset();
  if (admin_) admin_->close([] {});
  loop_.stop();
}

}  // namespace meshproxy::xds_server
