#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "proxy/core/event_loop.h"
#include "proxy/core/timer.h"
#include "proxy/stats/store.h"
#include "xds/client/type_stats.h"
#include "xds/client/xds_client.h"

namespace meshproxy::server {

// A path_config_source (or the deprecated ConfigSource.path): one file holding a
// DiscoveryResponse of one type, as Envoy's filesystem subscriptions read it — YAML or JSON,
// or a protobuf by extension (.pb binary, .pb_text text). Its resources go to the handler as
// one State-of-the-World update, on start and whenever the file changes.
//
// Changes are noticed with inotify on the file's directory (libuv fs events): a file renamed
// into place (how editors, `sed -i` and config management write) or written and closed. With
// watched_directory, any change in that directory reloads the file (a Kubernetes ConfigMap
// swaps a symlink there, not the file). Events come in bursts, so the file is read once they
// have been quiet for 50 ms (at most 1 s after the first). A file that fails to read, parse or
// apply is logged and counted (<type>.update_rejected) and the last good config keeps serving,
// as a NACK would; an unchanged file is not applied again.
class FileSource {
 public:
  FileSource(EventLoop& loop, std::string path, std::string watched_directory,
             std::string type_url, xds::ResourceHandler& handler, stats::Store& stats);
  ~FileSource();
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // Starts watching, then loads the file: at once, or (`load_now` false) from the loop, for a
  // caller in the middle of a config change. An error only when the directory cannot be
  // watched.
  absl::Status start(bool load_now = true);

  const std::string& path() const { return path_; }
  // version_info of the last file applied ("" before).
  const std::string& acceptedVersion() const { return version_; }

 private:
  static void onFsEvent(uv_fs_event_t* handle, const char* filename, int events, int status);
  void onChange();
  void load();
  absl::Status apply(const std::string& content);

  EventLoop& loop_;
  const std::string path_;
  const std::string watched_directory_;  // "" : the file's own directory, its name only
  const std::string type_url_;
  xds::ResourceHandler& handler_;
  xds::TypeStats stats_;
  uv_fs_event_t* watch_ = nullptr;
  std::unique_ptr<Timer> debounce_;
  uint64_t burst_start_ms_ = 0;
  bool burst_pending_ = false;
  std::string last_content_;  // of the last attempt, applied or not
  bool loaded_once_ = false;
  std::string version_;
};

// Whether `source`'s file (or its watched directory) exists, as Envoy checks a filesystem
// subscription's path at startup; `where` names the field.
absl::Status checkFileSource(const std::string& path, const std::string& watched_directory,
                             std::string_view where);

}  // namespace meshproxy::server
