// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The picture of a replay (`cwalarm replay --plot=FILE.svg`): one
// self-contained SVG document, written by a small writer of our own (no
// plotting runtime, no scripts, no external fonts or stylesheets).
//
//   absl::StatusOr<ReplayRun> run = ReplayData(options, alarms, data, true);
//   std::string svg = RenderSvgPlot(run->instants, run->alarms);
//
// One panel (`<g class="panel">`) per alarm, in name order, each with:
//   - the value of the alarm's newest bucket at each evaluation
//     (`class="datapoint"` circles, with the value and bucket as tooltip,
//     joined by `class="series"` lines, broken where a bucket had no data;
//     above 1500 values only the lines are drawn);
//   - the threshold (`class="threshold"`, dashed);
//   - the state over time as coloured bands (`class="band state-OK"`,
//     `state-ALARM`, `state-INSUFFICIENT_DATA`; green, red, grey): one band
//     from the first instant to the first transition, one per transition up
//     to the right edge, so there are transitions + 1 bands;
//   - one marker per action call (`class="action"`, a triangle on the top
//     edge, red for ALARM actions, green for OK, grey for
//     INSUFFICIENT_DATA, hollow when the call failed), with the ARN as
//     tooltip;
//   - UTC time ticks (HH:MM, with the date where the day changes) and value
//     ticks at round numbers.
// Times are mapped linearly from the first instant of the schedule to one
// step after the last. The same run always gives the same bytes.
//
// Thread-safety: a pure function of its argument.

#ifndef CWALARM_TOOLS_SVG_PLOT_H_
#define CWALARM_TOOLS_SVG_PLOT_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tools/replay_trace.h"

namespace cwalarm {

// Returns the SVG document (UTF-8, ending with a newline) for the replay
// with evaluation `instants` (ascending) and the traces `alarms`, one panel
// each, in the given order. Precondition: `instants` is not empty.
std::string RenderSvgPlot(absl::Span<const absl::Time> instants,
                          absl::Span<const AlarmTrace> alarms);

}  // namespace cwalarm

#endif  // CWALARM_TOOLS_SVG_PLOT_H_
