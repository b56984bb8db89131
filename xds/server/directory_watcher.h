// Watches a resource directory for changes with libuv fs events. Linux inotify is not
// recursive, so each directory of the layout is watched on its own: DIR, DIR/all, DIR/nodes
// and every DIR/nodes/<node-id>. Before each callback every watch is set up afresh, so
// directories that appeared are watched and ones that were replaced (deleted and created again,
// perhaps with the same inode number) are not left with a dead watch. Nothing is missed in
// between: the callback reads the whole directory after the new watches are in place. Changes
// come in bursts (an editor's save, a
// `kubectl cp`, a ConfigMap swap), so the callback runs once things have been quiet for the
// debounce interval, and at the latest max_delay after the first change of a burst.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace meshproxy::xds_server {

class DirectoryWatcher {
 public:
  // Everything, callbacks included, runs on `loop`'s thread.
  DirectoryWatcher(uv_loop_t* loop, std::string root, std::function<void()> on_change,
                   std::chrono::milliseconds debounce = std::chrono::milliseconds(200),
                   std::chrono::milliseconds max_delay = std::chrono::milliseconds(1000));
  ~DirectoryWatcher();
  DirectoryWatcher(const DirectoryWatcher&) = delete;
  DirectoryWatcher& operator=(const DirectoryWatcher&) = delete;

  // Watches the directories that exist now. Directories that cannot be watched are logged.
  void start();
  // Directories currently watched, sorted.
  std::vector<std::string> watchedPaths() const;

 private:
  static void onFsEvent(uv_fs_event_t* handle, const char* filename, int events, int status);
  static void onTimer(uv_timer_t* handle);
  void onChange();
  void onQuiet();
  // Replaces every watch with one on each directory of the layout that exists now.
  void refreshWatches();
  void closeWatches();
  // Null if the directory cannot be watched (logged).
  uv_fs_event_t* addWatch(const std::string& path);

  uv_loop_t* const loop_;
  const std::string root_;
  const std::function<void()> on_change_;
  const std::chrono::milliseconds debounce_;
  const std::chrono::milliseconds max_delay_;
  std::map<std::string, uv_fs_event_t*> watches_;
  // A plain handle rather than proxy/core's Timer: the watcher runs on any loop (tests use a
  // bare one), and the handle is closed with the watcher.
  uv_timer_t* timer_;
  uint64_t burst_start_ms_ = 0;  // uv_now() of the first event of the pending burst
};

}  // namespace meshproxy::xds_server
