#include "xds/server/directory_watcher.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

#include "proxy/core/log.h"

namespace meshproxy::xds_server {
namespace {

// Follows symlinks: a directory mounted or linked into place is watched through its target.
bool isDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> subdirectories(const std::string& path) {
  std::vector<std::string> out;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return out;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name.empty() || name[0] == '.') continue;
    if (isDirectory(path + "/" + name)) out.push_back(path + "/" + name);
  }
  ::closedir(dir);
  return out;
}

// Memory is freed in the close callback, once libuv no longer references the handle.
void closeHandle(uv_fs_event_t* handle) {
  handle->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_fs_event_t*>(h); });
}

}  // namespace

DirectoryWatcher::DirectoryWatcher(uv_loop_t* loop, std::string root,
                                   std::function<void()> on_change,
                                   std::chrono::milliseconds debounce,
                                   std::chrono::milliseconds max_delay)
    : loop_(loop),
      root_(std::move(root)),
      on_change_(std::move(on_change)),
      debounce_(debounce),
      max_delay_(max_delay),
      timer_(new uv_timer_t) {
  uv_timer_init(loop_, timer_);
  timer_->data = this;
}

DirectoryWatcher::~DirectoryWatcher() {
  closeWatches();
  timer_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(timer_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void DirectoryWatcher::start() { refreshWatches(); }

std::vector<std::string> DirectoryWatcher::watchedPaths() const {
  std::vector<std::string> out;
  for (const auto& [path, handle] : watches_) out.push_back(path);
  return out;
}

void DirectoryWatcher::refreshWatches() {
  std::vector<std::string> wanted;
  for (const std::string& dir : {root_, root_ + "/all", root_ + "/nodes"}) {
    if (isDirectory(dir)) wanted.push_back(dir);
  }
  for (auto& node_dir : subdirectories(root_ + "/nodes")) wanted.push_back(std::move(node_dir));

  std::map<std::string, uv_fs_event_t*> previous;
  previous.swap(watches_);
  for (const auto& path : wanted) {
    if (!previous.contains(path)) log::debug("watching {}", path);
    if (uv_fs_event_t* handle = addWatch(path)) watches_.emplace(path, handle);
  }
  // Closed after the new ones are in place, so there is no moment without a watch.
  for (auto& [path, handle] : previous) {
    closeHandle(handle);
  }
}

void DirectoryWatcher::closeWatches() {
  for (auto& [path, handle] : watches_) {
    closeHandle(handle);
  }
  watches_.clear();
}

uv_fs_event_t* DirectoryWatcher::addWatch(const std::string& path) {
  auto* handle = new uv_fs_event_t;
  uv_fs_event_init(loop_, handle);
  handle->data = this;
  if (int rc = uv_fs_event_start(handle, &DirectoryWatcher::onFsEvent, path.c_str(), 0); rc != 0) {
    log::warn("cannot watch {}: {} (changes there are noticed only with other changes)", path,
              uv_strerror(rc));
    closeHandle(handle);
    return nullptr;
  }
  return handle;
}

void DirectoryWatcher::onFsEvent(uv_fs_event_t* handle, const char* filename, int events,
                                 int status) {
  auto* self = static_cast<DirectoryWatcher*>(handle->data);
  if (self == nullptr) return;
  if (status < 0) {
    log::warn("watching {}: {}", self->root_, uv_strerror(status));
  }
  log::trace("fs event in {}: {}", self->root_, filename != nullptr ? filename : "");
  self->onChange();
}

void DirectoryWatcher::onChange() {
  uint64_t now = uv_now(loop_);
  if (uv_is_active(reinterpret_cast<uv_handle_t*>(timer_)) == 0) {
    burst_start_ms_ = now;
  } else if (now - burst_start_ms_ >= static_cast<uint64_t>(max_delay_.count())) {
    return;  // a long burst: let the pending timer fire instead of pushing it out again
  }
  uint64_t left = static_cast<uint64_t>(max_delay_.count()) - (now - burst_start_ms_);
  uv_timer_start(timer_, &DirectoryWatcher::onTimer,
                 std::min<uint64_t>(static_cast<uint64_t>(debounce_.count()), left), 0);
}

void DirectoryWatcher::onTimer(uv_timer_t* handle) {
  if (auto* self = static_cast<DirectoryWatcher*>(handle->data)) self->onQuiet();
}

void DirectoryWatcher::onQuiet() {
  // New node directories must be watched before they are read, so that a file written into
  // one right after this reload still triggers the next.
  refreshWatches();
  on_change_();
}

}  // namespace meshproxy::xds_server
