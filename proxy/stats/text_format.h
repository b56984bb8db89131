#pragma once

#include <string>

#include "proxy/stats/stat_set.h"

namespace meshproxy::stats {

// Envoy's /stats plain-text format:
//   - counters and gauges as "<full name>: <value>", merged and sorted by name;
//   - then histograms, sorted, as
//       "<full name>: P0(nan,v) P25(nan,v) P50(nan,v) P75(nan,v) P90(nan,v) P95(nan,v)
//        P99(nan,v) P99.5(nan,v) P99.9(nan,v) P100(nan,v)" (one line),
//     Envoy's "P<q>(interval,cumulative)" layout so tools that parse Envoy's output work. Only
//     cumulative data is kept, so the interval figure is always "nan" (what Envoy prints for an
//     interval without samples). A histogram that never recorded prints "No recorded values".
std::string formatText(const StatSet& stats);

// A quantile estimate as /stats prints it: rounded to 3 decimals, never in exponent form
// ("1", "12.5", "3600000"); "nan" for NaN.
std::string formatQuantileValue(double value);

}  // namespace meshproxy::stats
