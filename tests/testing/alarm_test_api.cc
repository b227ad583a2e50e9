// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "tests/testing/alarm_test_api.h"

#include <algorithm>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/config_loader.h"
#include "tools/series_notation.h"

namespace cwalarm {

void PrintTo(const ReplayRun& run, std::ostream* os) {
  *os << "replay of " << run.instants.size() << " evaluations";
  for (const AlarmTrace& a : run.alarms) {
    *os << "\n  alarm \"" << a.spec.alarm_name << "\": starts "
        << AlarmStateName(a.initial_state);
    for (const ReplayTransition& t : a.transitions) {
      *os << "\n    "
          << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t.at, absl::UTCTimeZone())
          << " " << AlarmStateName(t.new_state);
    }
    for (const RecordedAction& x : a.actions) {
      *os << "\n    "
          << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", x.timestamp,
                              absl::UTCTimeZone())
          << " action " << x.action << (x.succeeded ? "" : " (failed)");
    }
  }
}

}  // namespace cwalarm

namespace cwalarm_testing {
namespace {

using ::cwalarm::AlarmState;
using ::cwalarm::AlarmTrace;
using ::cwalarm::ReplayRun;

// How an expectation writes its time; actual times are printed the same way
// so that the diff compares like with like.
enum class TimeStyle { kHourMinute, kHourMinuteSecond, kFull };

struct Expected {
  std::string text;  // Normalised "TIME STATE".
  TimeStyle style = TimeStyle::kHourMinute;
  std::string error;  // Non-empty when the expectation itself is malformed.
};

std::string FormatAt(absl::Time t, TimeStyle style) {
  switch (style) {
    case TimeStyle::kFull:
      return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
    case TimeStyle::kHourMinuteSecond:
      return absl::FormatTime("%H:%M:%S", t, absl::UTCTimeZone());
    case TimeStyle::kHourMinute:
      break;
  }
  // A transition off the minute shows its seconds, so it cannot look equal.
  return absl::FormatTime(
      absl::ToUnixSeconds(t) % 60 == 0 ? "%H:%M" : "%H:%M:%S", t,
      absl::UTCTimeZone());
}

Expected ParseExpected(absl::string_view item) {
  Expected e;
  size_t space = item.find(' ');
  if (space == absl::string_view::npos) {
    e.error = absl::StrCat("expectation \"", item,
                           "\" must be \"TIME STATE\", like \"12:05 ALARM\"");
    return e;
  }
  absl::string_view time = item.substr(0, space);
  absl::string_view state = item.substr(space + 1);
  absl::StatusOr<AlarmState> s = cwalarm::ParseAlarmState(state);
  if (!s.ok()) {
    e.error =
        absl::StrCat("expectation \"", item, "\": ", s.status().message());
    return e;
  }
  if (time.find('T') != absl::string_view::npos) {
    absl::StatusOr<absl::Time> t = cwalarm::ParseTimestamp(time);
    if (!t.ok()) {
      e.error =
          absl::StrCat("expectation \"", item, "\": ", t.status().message());
      return e;
    }
    e.style = TimeStyle::kFull;
    e.text = absl::StrCat(FormatAt(*t, e.style), " ", state);
    return e;
  }
  absl::Time parsed;
  std::string err;
  if (absl::ParseTime("%H:%M:%S", time, absl::UTCTimeZone(), &parsed, &err)) {
    e.style = TimeStyle::kHourMinuteSecond;
  } else if (absl::ParseTime("%H:%M", time, absl::UTCTimeZone(), &parsed,
                             &err)) {
    e.style = TimeStyle::kHourMinute;
  } else {
    e.error = absl::StrCat("expectation \"", item,
                           "\": TIME must be HH:MM, HH:MM:SS or an ISO 8601 "
                           "instant");
    return e;
  }
  e.text = absl::StrCat(FormatAt(parsed, e.style), " ", state);
  return e;
}

std::vector<std::string> ActualLines(const AlarmTrace& trace, TimeStyle style) {
  std::vector<std::string> lines;
  for (const cwalarm::ReplayTransition& t : trace.transitions) {
    lines.push_back(absl::StrCat(FormatAt(t.at, style), " ",
                                 cwalarm::AlarmStateName(t.new_state)));
  }
  return lines;
}

// A line diff (longest common subsequence) of two short lists: common lines
// indented, expected-only lines with "-", actual-only lines with "+".
std::string LineDiff(const std::vector<std::string>& expected,
                     const std::vector<std::string>& actual) {
  const size_t n = expected.size(), m = actual.size();
  std::vector<std::vector<int>> lcs(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = n; i-- > 0;) {
    for (size_t j = m; j-- > 0;) {
      lcs[i][j] = expected[i] == actual[j]
                      ? lcs[i + 1][j + 1] + 1
                      : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] == actual[j]) {
      absl::StrAppend(&out, "\n      ", expected[i]);
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      absl::StrAppend(&out, "\n    - ", expected[i]);
      ++i;
    } else {
      absl::StrAppend(&out, "\n    + ", actual[j]);
      ++j;
    }
  }
  return out;
}

const AlarmTrace* FindOrExplain(const ReplayRun& run, const std::string& alarm,
                                ::testing::MatchResultListener* listener) {
  const AlarmTrace* trace = run.Find(alarm);
  if (trace == nullptr) {
    *listener << "the replay has no alarm \"" << alarm << "\"";
  }
  return trace;
}

class TransitionsMatcher
    : public ::testing::MatcherInterface<const ReplayRun&> {
 public:
  TransitionsMatcher(std::string alarm, std::vector<std::string> expected,
                     bool exact)
      : alarm_(std::move(alarm)), raw_(std::move(expected)), exact_(exact) {
    for (const std::string& item : raw_)
      expected_.push_back(ParseExpected(item));
  }

  bool MatchAndExplain(
      const ReplayRun& run,
      ::testing::MatchResultListener* listener) const override {
    for (const Expected& e : expected_) {
      if (!e.error.empty()) {
        *listener << e.error;
        return false;
      }
    }
    const AlarmTrace* trace = FindOrExplain(run, alarm_, listener);
    if (trace == nullptr) return false;
    TimeStyle style =
        expected_.empty() ? TimeStyle::kHourMinute : expected_.front().style;
    std::vector<std::string> want;
    for (const Expected& e : expected_) want.push_back(e.text);
    // Expectations written in another style compare against actual lines
    // printed in their own style.
    std::vector<std::string> got = ActualLines(*trace, style);
    if (exact_) {
      bool same = want.size() == got.size();
      for (size_t i = 0; same && i < want.size(); ++i) {
        same = want[i] ==
               absl::StrCat(
                   FormatAt(trace->transitions[i].at, expected_[i].style), " ",
                   cwalarm::AlarmStateName(trace->transitions[i].new_state));
      }
      if (!same) {
        *listener << "transitions of alarm \"" << alarm_
                  << "\" differ (- expected, + actual):" << LineDiff(want, got);
      }
      return same;
    }
    const Expected& e = expected_.front();
    for (const std::string& line : ActualLines(*trace, e.style)) {
      if (line == e.text) return true;
    }
    *listener << "alarm \"" << alarm_ << "\" made these transitions:";
    for (const std::string& line : got) *listener << "\n      " << line;
    if (got.empty()) *listener << " none";
    return false;
  }

  void DescribeTo(std::ostream* os) const override {
    if (exact_) {
      *os << "alarm \"" << alarm_ << "\" makes exactly the transitions [";
    } else {
      *os << "alarm \"" << alarm_ << "\" makes the transition [";
    }
    for (size_t i = 0; i < raw_.size(); ++i) {
      *os << (i ? ", " : "") << raw_[i];
    }
    *os << "]";
  }

 private:
  std::string alarm_;
  std::vector<std::string> raw_;
  std::vector<Expected> expected_;
  bool exact_;
};

class ActionsFiredMatcher
    : public ::testing::MatcherInterface<const ReplayRun&> {
 public:
  ActionsFiredMatcher(std::string alarm, AlarmState state, int count)
      : alarm_(std::move(alarm)), state_(state), count_(count) {}

  bool MatchAndExplain(
      const ReplayRun& run,
      ::testing::MatchResultListener* listener) const override {
    const AlarmTrace* trace = FindOrExplain(run, alarm_, listener);
    if (trace == nullptr) return false;
    int n = 0;
    for (const cwalarm::RecordedAction& a : trace->actions) {
      n += a.new_state == state_;
    }
    if (n == count_) return true;
    *listener << "alarm \"" << alarm_ << "\" made " << n << " "
              << cwalarm::AlarmStateName(state_) << " action call"
              << (n == 1 ? "" : "s") << "; all its action calls:";
    for (const cwalarm::RecordedAction& a : trace->actions) {
      *listener << "\n      "
                << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", a.timestamp,
                                    absl::UTCTimeZone())
                << " " << cwalarm::AlarmStateName(a.new_state) << " "
                << a.action;
    }
    if (trace->actions.empty()) *listener << " none";
    return false;
  }

  void DescribeTo(std::ostream* os) const override {
    *os << "alarm \"" << alarm_ << "\" makes " << count_ << " "
        << cwalarm::AlarmStateName(state_) << " action call"
        << (count_ == 1 ? "" : "s");
  }

 private:
  std::string alarm_;
  AlarmState state_;
  int count_;
};

class EndsInMatcher : public ::testing::MatcherInterface<const ReplayRun&> {
 public:
  EndsInMatcher(std::string alarm, AlarmState state)
      : alarm_(std::move(alarm)), state_(state) {}

  bool MatchAndExplain(
      const ReplayRun& run,
      ::testing::MatchResultListener* listener) const override {
    const AlarmTrace* trace = FindOrExplain(run, alarm_, listener);
    if (trace == nullptr) return false;
    AlarmState last = trace->transitions.empty()
                          ? trace->initial_state
                          : trace->transitions.back().new_state;
    if (last == state_) return true;
    *listener << "alarm \"" << alarm_ << "\" ends in "
              << cwalarm::AlarmStateName(last);
    return false;
  }

  void DescribeTo(std::ostream* os) const override {
    *os << "alarm \"" << alarm_ << "\" ends in "
        << cwalarm::AlarmStateName(state_);
  }

 private:
  std::string alarm_;
  AlarmState state_;
};

}  // namespace

cwalarm::AlarmSpec MetricAlarm(absl::string_view name,
                               absl::string_view metric) {
  cwalarm::AlarmSpec spec;
  spec.alarm_name = std::string(name);
  spec.statistic = cwalarm::Statistic::kAverage;
  spec.period = absl::Seconds(60);
  spec.evaluation_periods = 1;
  spec.threshold = 0;
  spec.comparison_operator = cwalarm::ComparisonOperator::kGreaterThanThreshold;
  // Parse the header with the series parser, with one dummy value.
  absl::StatusOr<std::vector<cwalarm::TimedDatum>> data =
      cwalarm::ParseSeries(absl::StrCat(metric, " 0"), absl::UnixEpoch(),
                           absl::Seconds(60), "MetricAlarm metric");
  if (!data.ok()) {
    ADD_FAILURE() << data.status().message();
    return spec;
  }
  spec.metric = data->front().datum.metric;
  return spec;
}

absl::StatusOr<std::vector<cwalarm::AlarmSpec>> AlarmsFromJson(
    absl::string_view json) {
  return cwalarm::ParseAlarmsJson(json, "AlarmsFromJson");
}

absl::StatusOr<ReplayRun> Replay(std::vector<cwalarm::AlarmSpec> alarms,
                                 std::vector<std::string> series,
                                 cwalarm::ReplayOptions options) {
  options.series = std::move(series);
  options.metrics_path.clear();
  absl::StatusOr<std::vector<cwalarm::TimedDatum>> data =
      cwalarm::LoadReplayData(options);
  if (!data.ok()) return data.status();
  return cwalarm::ReplayData(options, std::move(alarms), std::move(*data),
                             /*record_buckets=*/true);
}

::testing::Matcher<const ReplayRun&> TransitionsAre(
    absl::string_view alarm, std::vector<std::string> expected) {
  return ::testing::MakeMatcher(
      new TransitionsMatcher(std::string(alarm), std::move(expected), true));
}

::testing::Matcher<const ReplayRun&> HasTransition(absl::string_view alarm,
                                                   std::string expected) {
  return ::testing::MakeMatcher(
      new TransitionsMatcher(std::string(alarm), {std::move(expected)}, false));
}

::testing::Matcher<const ReplayRun&> ActionsFired(absl::string_view alarm,
                                                  AlarmState state, int count) {
  return ::testing::MakeMatcher(
      new ActionsFiredMatcher(std::string(alarm), state, count));
}

::testing::Matcher<const ReplayRun&> EndsIn(absl::string_view alarm,
                                            AlarmState state) {
  return ::testing::MakeMatcher(new EndsInMatcher(std::string(alarm), state));
}

}  // namespace cwalarm_testing
