#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "proxy/stats/cell_slab.h"
#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"
#include "proxy/stats/histogram.h"
#include "proxy/stats/scope.h"
#include "proxy/stats/stat_name.h"
#include "proxy/stats/stat_set.h"

namespace meshproxy::stats {

struct StoreOptions {
  // Worker threads that get their own copy of every counter and histogram (the proxy's
  // --concurrency). Threads beyond that, and every non-worker thread, share one more copy
  // through atomic adds. 0 is correct for any use, only slower under contention.
  uint32_t worker_shards = 0;
};

// Owns every stat of the process. Stats are keyed by full name: asking for an existing name
// returns the existing object, so a cluster rebuilt by a config reload keeps its counters.
//
// Lifetime: a stat is never freed before the Store, so references handed out stay valid for the
// Store's life (in the proxy, the process's life). That trades a little memory for removed
// clusters against any reference counting on the data path.
//
// Threads: creation and enumeration take a mutex and may run on any thread (main, admin);
// increments go straight to the stat's cells and never touch the Store.
//
// Memory: counters and histograms keep their values in the CellSlab, one copy per worker
// (cell_slab.h, shard_cells.h); names and the objects handed out live in the maps below.
class Store {
 public:
  explicit Store(StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The empty-prefix scope; plain names ("server.live") hang off it.
  Scope rootScope();
  // Shorthand for rootScope().scope(kind, value), e.g. scope("cluster", "backend").
  Scope scope(std::string_view kind, std::string_view value);

  // Finds or creates by name.full. When the name exists, `name`'s other parts are ignored:
  // the first creator's tags win. Counters, gauges and histograms are separate namespaces.
  Counter& counter(StatName name);
  Gauge& gauge(StatName name);
  Histogram& histogram(StatName name);

  // Every stat, sorted by full name.
  StatSet all() const;
  // Stats whose full name contains a match of `filter_regex` (RE2, unanchored, like Envoy's
  // /stats?filter=). An invalid pattern is InvalidArgument.
  absl::StatusOr<StatSet> matching(std::string_view filter_regex) const;

  // Envoy /stats text; see text_format.h.
  std::string renderText() const;
  absl::StatusOr<std::string> renderText(std::string_view filter_regex) const;
  // Prometheus text exposition 0.0.4; see prometheus_format.h.
  std::string renderPrometheus() const;
  absl::StatusOr<std::string> renderPrometheus(std::string_view filter_regex) const;

  // Copies of each counter and histogram: 1 + worker_shards.
  uint32_t shards() const;
  // Bytes of counter and histogram values (every copy), for memory accounting.
  size_t cellBytes() const;

 private:
  // std::mutex rather than absl::Mutex: Debian's prebuilt abseil is not ThreadSanitizer-
  // instrumented, so TSan cannot see absl::Mutex ordering and reports false races.
  // Guards the slab and the three maps below (not the stats' values, which are atomic).
  mutable std::mutex mu_;
  CellSlab slab_;
  // unique_ptr values keep each stat's address fixed while the maps rehash.
  absl::flat_hash_map<std::string, std::unique_ptr<Counter>> counters_;
  absl::flat_hash_map<std::string, std::unique_ptr<Gauge>> gauges_;
  absl::flat_hash_map<std::string, std::unique_ptr<Histogram>> histograms_;
};

}  // namespace meshproxy::stats
