#pragma once

#include <vector>

#include "proxy/stats/counter.h"
#include "proxy/stats/gauge.h"
#include "proxy/stats/histogram.h"

namespace meshproxy::stats {

// Borrowed pointers to a selection of a Store's stats, each list sorted by full name. The
// renderers take this instead of the Store so they can be tested on hand-made stats and run
// without holding the store's lock.
struct StatSet {
  std::vector<const Counter*> counters;
  std::vector<const Gauge*> gauges;
  std::vector<const Histogram*> histograms;
};

}  // namespace meshproxy::stats
