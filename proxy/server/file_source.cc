#include "proxy/server/file_source.h"

#include <google/protobuf/text_format.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "envoy/service/discovery/v3/discovery.pb.h"
#include "proxy/config/yaml_to_json.h"
#include "proxy/core/log.h"
#include "proxy/core/strings.h"
#include "proxy/protobuf/proto_util.h"

namespace meshproxy::server {
namespace {

constexpr std::chrono::milliseconds kQuiet{50};
constexpr uint64_t kMaxDelayMs = 1000;
// A DiscoveryResponse file larger than this is refused rather than read into memory.
constexpr off_t kMaxFileBytes = 64 << 20;

std::string directoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

absl::StatusOr<std::string> readFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path, ": ", std::strerror(errno)));
  }
  if (st.st_size > kMaxFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is ", st.st_size, " bytes (at most ", kMaxFileBytes, ")"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::Status parseResponse(const std::string& path, const std::string& content,
                           envoy::service::discovery::v3::DiscoveryResponse* response) {
  if (absl::EndsWith(path, ".pb")) {
    if (!response->ParseFromString(content))
      return absl::InvalidArgumentError("not a binary DiscoveryResponse");
    return absl::OkStatus();
  }
  if (absl::EndsWith(path, ".pb_text")) {
    if (!google::protobuf::TextFormat::ParseFromString(content, response))
      return absl::InvalidArgumentError("not a text DiscoveryResponse");
    return absl::OkStatus();
  }
  auto json = config::yamlToJson(content);
  if (!json.ok()) return json.status();
  return protobuf::jsonToMessage(*json, response);
}

}  // namespace

absl::Status checkFileSource(const std::string& path, const std::string& watched_directory,
                             std::string_view where) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(toAbsl(where), ": empty path"));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(toAbsl(where), ": '", path,
                                                   "' does not exist (", std::strerror(errno), ")"));
  }
  if (!watched_directory.empty() &&
      (::stat(watched_directory.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    return absl::InvalidArgumentError(absl::StrCat(
        toAbsl(where), ": watched_directory '", watched_directory, "' is not a directory"));
  }
  return absl::OkStatus();
}

FileSource::FileSource(EventLoop& loop, std::string path, std::string watched_directory,
                       std::string type_url, xds::ResourceHandler& handler, stats::Store& stats)
    : loop_(loop),
      path_(std::move(path)),
      watched_directory_(std::move(watched_directory)),
      type_url_(std::move(type_url)),
      handler_(handler),
      stats_(stats.rootScope(), type_url_) {}

FileSource::~FileSource() {
  if (watch_ != nullptr) {
    watch_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(watch_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_fs_event_t*>(h); });
  }
}

absl::Status FileSource::start(bool load_now) {
  std::string directory = watched_directory_.empty() ? directoryOf(path_) : watched_directory_;
  watch_ = new uv_fs_event_t;
  uv_fs_event_init(loop_.uv(), watch_);
  watch_->data = this;
  if (int rc = uv_fs_event_start(watch_, &FileSource::onFsEvent, directory.c_str(), 0); rc != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot watch ", directory, " for ", path_, ": ", uv_strerror(rc)));
  }
  debounce_ = std::make_unique<Timer>(loop_.uv(), [this] {
    burst_pending_ = false;
    load();
  });
  log::info("xds: {} from file {} (watching {})", type_url_, path_, directory);
  if (load_now) {
    load();
  } else {
    debounce_->enable(std::chrono::milliseconds(0));
  }
  return absl::OkStatus();
}

void FileSource::onFsEvent(uv_fs_event_t* handle, const char* filename, int events, int status) {
  auto* self = static_cast<FileSource*>(handle->data);
  if (self == nullptr) return;
  if (status < 0) {
    log::warn("xds: watching {}: {}", self->path_, uv_strerror(status));
    return;
  }
  // Without watched_directory only the file itself counts, not its neighbours.
  if (self->watched_directory_.empty() &&
      (filename == nullptr || baseName(self->path_) != filename)) {
    return;
  }
  self->onChange();
}

void FileSource::onChange() {
  uint64_t now = loop_.nowMs();
  if (!burst_pending_) {
    burst_pending_ = true;
    burst_start_ms_ = now;
  } else if (now - burst_start_ms_ >= kMaxDelayMs) {
    return;  // a long burst: the pending read comes soon
  }
  uint64_t left = kMaxDelayMs - (now - burst_start_ms_);
  debounce_->enable(std::chrono::milliseconds(
      std::min<uint64_t>(static_cast<uint64_t>(kQuiet.count()), left)));
}

void FileSource::load() {
  auto content = readFile(path_);
  if (!content.ok()) {
    // A file between a delete and its replacement: the next event reads it.
    log::warn("xds: {}: {}; keeping the last good config", path_, content.status().message());
    return;
  }
  if (loaded_once_ && *content == last_content_) return;
  loaded_once_ = true;
  last_content_ = *content;
  stats_.update_attempt.inc();
  if (auto s = apply(*content); !s.ok()) {
    stats_.update_rejected.inc();
    log::warn("xds: rejected {} from {}: {}; keeping the last good config", type_url_, path_,
              s.message());
  }
}

absl::Status FileSource::apply(const std::string& content) {
  envoy::service::discovery::v3::DiscoveryResponse response;
  if (auto s = parseResponse(path_, content, &response); !s.ok()) return s;
  if (!response.type_url().empty() && response.type_url() != type_url_) {
    return absl::InvalidArgumentError(
        absl::StrCat("the file's type_url is ", response.type_url(), ", not ", type_url_));
  }
  std::vector<google::protobuf::Any> resources(response.resources().begin(),
                                               response.resources().end());
  for (const auto& r : resources) {
    if (r.type_url() != type_url_) {
      return absl::InvalidArgumentError(
          absl::StrCat("resource of type ", r.type_url(), " in a ", type_url_, " file"));
    }
  }
  if (auto s = handler_.onConfigUpdate(type_url_, resources, response.version_info()); !s.ok())
    return s;
  version_ = response.version_info();
  stats_.accepted(version_);
  log::info("xds: applied {} from {} (version '{}', {} resources)", type_url_, path_, version_,
            resources.size());
  return absl::OkStatus();
}

}  // namespace meshproxy::server
