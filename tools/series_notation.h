// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Series notation: a metric history in one line, in the spirit of promtool's
// `input_series`, for `cwalarm replay --series=...` and the C++ test API
// (tests/testing/alarm_test_api.h).
//
//   AWS/EC2 CPUUtilization{InstanceId=i-1} 10+5x12 _x3 90x10
//   ^ Namespace ^ MetricName ^ Dimensions  ^ values, one per step
//
// The header is `Namespace MetricName`, optionally followed (no space) by
// `{Name=Value,Name=Value}` and by `[Unit]` (`CPUUtilization[Percent]`,
// default unit None). Then whitespace-separated terms, each covering one or
// more consecutive periods (one datum per period, at start, start + step,
// ...):
//
//   7          one datum of value 7
//   7x4        four data of value 7                       (7 7 7 7)
//   10+5x4     four data from 10, adding 5 each time      (10 15 20 25)
//   10-2.5x3   three data from 10, subtracting 2.5        (10 7.5 5)
//   _          one period without data
//   _x3        three periods without data
//
// Unlike promtool, where `1+1x3` means four values, the count here is the
// number of periods a term covers: `_x3 90x10` is 13 periods. Numbers are
// decimal (`-1.5`, `2e3`).
//
// Every datum is received at its timestamp (no late data) and has
// StorageResolution 1 when `step` is under a minute, 60 otherwise.
//
// Errors point at the place: kInvalidArgument with
// `<source>: column <c>: <what>` followed by the line and a caret under the
// offending character, e.g.
//
//   --series[1]: column 45: expected a count after 'x'
//     AWS/EC2 CPUUtilization{InstanceId=i-1} 10+5x
//                                                 ^
//
// Thread-safety: pure functions of their arguments.

#ifndef CWALARM_TOOLS_SERIES_NOTATION_H_
#define CWALARM_TOOLS_SERIES_NOTATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/config_loader.h"

namespace cwalarm {

// Parses one series. Datum i (counting periods, missing ones included) has
// timestamp `start + i * step`. `source` names the series in messages
// (`--series[1]`); each datum's `place` is `<source>: column <c>`.
// Preconditions: step > 0.
//
// Returns the data in time order. Returns kInvalidArgument, pointing at the
// column, for: a missing or malformed header, an invalid metric id
// (ValidateMetricId) or unit, an unknown term, a count that is not a
// positive integer, a step without a count (`10+5`), a series without
// values, and values that ValidateMetricDatum refuses (not finite, beyond
// +-2^360).
absl::StatusOr<std::vector<TimedDatum>> ParseSeries(absl::string_view text,
                                                    absl::Time start,
                                                    absl::Duration step,
                                                    absl::string_view source);

// Parses several series separated by `;` (each as ParseSeries, named
// `<source>[i]`, 1-based) and concatenates their data. Empty items between
// separators are ignored. Returns every series' errors, one per line group.
absl::StatusOr<std::vector<TimedDatum>> ParseSeriesList(
    const std::vector<std::string>& texts, absl::Time start,
    absl::Duration step, absl::string_view source);

}  // namespace cwalarm

#endif  // CWALARM_TOOLS_SERIES_NOTATION_H_
