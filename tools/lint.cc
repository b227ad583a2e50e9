// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "tools/lint.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "alarm/cw_format.h"
#include "alarm/threshold.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"

namespace cwalarm {
namespace {

// What the history says about one metric.
struct MetricProfile {
  bool published = false;
  std::set<Unit> units;
  bool all_standard_resolution = true;
  // Median and largest gap between consecutive distinct timestamps.
  std::optional<absl::Duration> median_interval;
  std::optional<absl::Duration> max_interval;
  // Share of the alarm's periods (aligned, from the first to the last
  // datum) that hold at least one datum.
  double coverage = 1;
};

MetricProfile Profile(const AlarmSpec& spec,
                      const std::vector<const TimedDatum*>& data) {
  MetricProfile p;
  std::vector<int64_t> seconds;
  for (const TimedDatum* d : data) {
    p.published = true;
    p.units.insert(d->datum.unit);
    if (d->datum.storage_resolution != 60) p.all_standard_resolution = false;
    if (spec.unit && d->datum.unit != *spec.unit) continue;
    seconds.push_back(absl::ToUnixSeconds(d->datum.timestamp));
  }
  std::sort(seconds.begin(), seconds.end());
  seconds.erase(std::unique(seconds.begin(), seconds.end()), seconds.end());
  if (seconds.size() >= 2) {
    std::vector<int64_t> gaps;
    for (size_t i = 1; i < seconds.size(); ++i) {
      gaps.push_back(seconds[i] - seconds[i - 1]);
    }
    std::sort(gaps.begin(), gaps.end());
    p.median_interval = absl::Seconds(gaps[gaps.size() / 2]);
    p.max_interval = absl::Seconds(gaps.back());
    const int64_t period = absl::ToInt64Seconds(spec.period);
    if (period > 0) {
      std::set<int64_t> buckets;
      for (int64_t s : seconds) buckets.insert(s / period);
      int64_t span = seconds.back() / period - seconds.front() / period + 1;
      p.coverage = static_cast<double>(buckets.size()) / span;
    }
  }
  return p;
}

std::string Seconds(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Seconds(d), " s");
}

bool IsLowAlarm(ComparisonOperator op) {
  return op == ComparisonOperator::kLessThanThreshold ||
         op == ComparisonOperator::kLessThanOrEqualToThreshold;
}

// Metrics that only exist when something happens: with no events there is
// no datapoint at all (spec 8, "breaching + sparse metrics = noise").
bool IsEventCountMetric(absl::string_view name) {
  for (absl::string_view event :
       {"Errors", "Throttles", "DeadLetterErrors", "5XXError", "4XXError",
        "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count",
        "HTTPCode_Backend_5XX", "ThrottledRequests", "UserErrors",
        "SystemErrors", "ConditionalCheckFailedRequests"}) {
    if (name == event) return true;
  }
  return false;
}

}  // namespace

std::vector<LintFinding> LintAlarms(const std::vector<AlarmSpec>& alarms,
                                    const std::vector<TimedDatum>* data) {
  absl::flat_hash_map<std::string, std::vector<const TimedDatum*>> by_metric;
  if (data != nullptr) {
    for (const TimedDatum& d : *data) {
      by_metric[d.datum.metric.Key()].push_back(&d);
    }
  }
  std::vector<LintFinding> findings;
  for (const AlarmSpec& spec : alarms) {
    auto add = [&](const char* rule, std::string explanation,
                   LintFinding::Severity severity =
                       LintFinding::Severity::kWarning) {
      findings.push_back(
          LintFinding{spec.alarm_name, rule, severity, std::move(explanation)});
    };
    if (spec.HasMetricsList()) {
      // The rules below are about one metric and its statistic; a
      // Metrics-list alarm gets one informational finding instead
      // (docs/choices.md).
      add("metrics-list-not-linted",
          "metric-math and anomaly-detection alarms are not checked by the "
          "single-metric rules",
          LintFinding::Severity::kNote);
      continue;
    }
    const TreatMissingData tmd = spec.EffectiveTreatMissingData();
    const int m = spec.EffectiveDatapointsToAlarm();
    const bool high_resolution = spec.period < absl::Seconds(60);
    std::optional<MetricProfile> profile;
    if (data != nullptr) {
      auto it = by_metric.find(spec.metric.Key());
      profile =
          Profile(spec, it == by_metric.end() ? std::vector<const TimedDatum*>{}
                                              : it->second);
    }

    // --- The metric and its resolution (spec 8: stuck in INSUFFICIENT_DATA).
    if (high_resolution &&
        (absl::StartsWith(spec.metric.metric_namespace, "AWS/") ||
         (profile && profile->published && profile->all_standard_resolution))) {
      add("high-resolution-period-on-standard-metric",
          absl::StrCat(
              "Period is ", Seconds(spec.period), " but ",
              profile && profile->published
                  ? "the metric is published at standard resolution (one "
                    "datapoint per minute)"
                  : "AWS/ namespaces publish at standard (1-minute) or "
                    "coarser resolution",
              ", so most ", Seconds(spec.period),
              " buckets are empty: the alarm sees missing data between "
              "samples and flaps or sits in INSUFFICIENT_DATA. Use a period "
              "of 60 s or more, or publish with StorageResolution 1."));
    }
    if (profile && !profile->published) {
      add("metric-never-published",
          "The history has no datum for this alarm's namespace, metric name "
          "and dimensions (all must match exactly; dimension order does not "
          "matter). The alarm will stay in INSUFFICIENT_DATA, or go to "
          "ALARM/OK on fill-ins only. Check the dimensions for typos.");
    } else if (profile && spec.unit && !profile->units.count(*spec.unit)) {
      std::vector<std::string> seen;
      for (Unit u : profile->units) seen.emplace_back(UnitName(u));
      add("unit-never-published",
          absl::StrCat("Unit is ", UnitName(*spec.unit),
                       " but the metric is only published as ",
                       absl::StrJoin(seen, ", "),
                       ". A Unit on an alarm is an exact filter (spec 7.8), "
                       "so the alarm never sees a datapoint and stays in "
                       "INSUFFICIENT_DATA. Remove Unit or fix it."));
    }
    // Only for regular publishing; irregular gaps are sparseness, below.
    if (profile && profile->median_interval && !high_resolution &&
        *profile->median_interval > spec.period &&
        *profile->max_interval <= *profile->median_interval * 1.5) {
      add("period-shorter-than-publishing-interval",
          absl::StrCat(
              "The metric is usually published every ",
              Seconds(*profile->median_interval), " but Period is ",
              Seconds(spec.period),
              ", so most buckets are empty and every evaluation works on "
              "missing data (e.g. EC2 basic monitoring publishes every 5 "
              "minutes). Use a Period of at least ",
              Seconds(*profile->median_interval), "."));
    }

    // --- Missing data treatments (spec 8).
    if (m == 1 && tmd == TreatMissingData::kBreaching) {
      add("single-datapoint-with-breaching",
          "DatapointsToAlarm is 1 and missing data is treated as breaching: "
          "one period without data (a publishing hiccup, a deploy, an "
          "instance stop) is enough to go to ALARM and notify. Use "
          "DatapointsToAlarm above 1, or `missing`/`ignore`.");
    }
    if (tmd == TreatMissingData::kBreaching && profile && profile->published &&
        profile->coverage < 0.9) {
      add("breaching-on-sparse-metric",
          absl::StrCat(
              "Missing data is treated as breaching, but the metric has data "
              "in only ",
              static_cast<int>(profile->coverage * 100 + 0.5),
              "% of its periods: every quiet stretch counts as a breach, so "
              "the alarm fires when there is simply no traffic. Use "
              "`notBreaching` (quiet is good) or `missing`."));
    } else if (tmd == TreatMissingData::kBreaching && !profile &&
               IsEventCountMetric(spec.metric.metric_name)) {
      add("breaching-on-sparse-metric",
          absl::StrCat(spec.metric.metric_name,
                       " is only published when events happen, so with "
                       "missing data treated as breaching the alarm fires "
                       "whenever there is no traffic. Use `notBreaching`."));
    }
    if (tmd == TreatMissingData::kNotBreaching &&
        IsLowAlarm(spec.comparison_operator)) {
      add("not-breaching-hides-outages",
          absl::StrCat(
              "The alarm fires when the value is too low (",
              ComparisonOperatorName(spec.comparison_operator),
              ") and treats missing data as not breaching. When the "
              "publisher dies, the metric goes silent and the alarm stays OK "
              "(\"missing datapoints were treated as [NonBreaching]\"): the "
              "outage is hidden. Use `breaching` or `missing` (and an "
              "INSUFFICIENT_DATA action)."));
    }

    // --- Comparisons the statistic cannot fail (or cannot pass).
    if (spec.statistic == Statistic::kSampleCount && spec.threshold) {
      // A bucket with a datapoint has SampleCount >= 1 (spec 1.3); an empty
      // one has no datapoint at all.
      const double t = *spec.threshold;
      const ComparisonOperator op = spec.comparison_operator;
      bool always =
          (op == ComparisonOperator::kGreaterThanThreshold && t < 1) ||
          (op == ComparisonOperator::kGreaterThanOrEqualToThreshold && t <= 1);
      bool never =
          (op == ComparisonOperator::kLessThanThreshold && t <= 1) ||
          (op == ComparisonOperator::kLessThanOrEqualToThreshold && t < 1);
      if (always) {
        add("can-never-return-to-ok",
            absl::StrCat(
                "SampleCount ", ComparisonOperatorName(op), " ",
                FormatJavaDouble(t),
                " holds for every datapoint (a bucket with data has "
                "SampleCount >= 1), so only missing data can end ALARM",
                tmd == TreatMissingData::kBreaching
                    ? ", and missing data is treated as breaching: once in "
                      "ALARM the alarm never returns to OK"
                    : "",
                ". To alarm on \"any event\", this is fine; otherwise raise "
                "the threshold."));
      }
      if (never) {
        add("can-never-alarm",
            absl::StrCat("SampleCount ", ComparisonOperatorName(op), " ",
                         FormatJavaDouble(t),
                         " never holds for a datapoint (a bucket with data "
                         "has SampleCount >= 1); the alarm can only fire on "
                         "missing data. Alarm on missing data with "
                         "`breaching` instead, or fix the threshold."));
      }
    }

    // --- Sliding buckets (spec 3.2.1, spec 8 "Flapping from sliding
    // buckets").
    if (profile && profile->median_interval &&
        spec.period >= absl::Minutes(5) &&
        *profile->median_interval > absl::Seconds(60) &&
        *profile->median_interval <= spec.period &&
        (spec.statistic == Statistic::kSum ||
         spec.statistic == Statistic::kSampleCount) &&
        (spec.period % *profile->median_interval != absl::ZeroDuration() ||
         *profile->max_interval > *profile->median_interval * 1.5)) {
      add("sliding-buckets-on-sparse-data",
          absl::StrCat(
              "Buckets slide with the evaluation minute (they are not aligned "
              "to multiples of the period), so each ",
              Seconds(spec.period),
              " bucket holds a varying number of the "
              "metric's samples (published about every ",
              Seconds(*profile->median_interval),
              ", irregularly): ", StatisticName(*spec.statistic),
              " jumps from minute to minute and M-of-N counts flip, making "
              "the alarm flap. Use a statistic that does not count samples "
              "(Average, Maximum) or a period that is a multiple of the "
              "publishing interval."),
          LintFinding::Severity::kWarning);
    }

    // --- Configuration that is silently overridden or inert.
    if (spec.metric.metric_namespace == "AWS/DynamoDB" &&
        spec.treat_missing_data &&
        *spec.treat_missing_data != TreatMissingData::kIgnore) {
      add("treat-missing-data-ignored",
          absl::StrCat("TreatMissingData is ",
                       TreatMissingDataName(*spec.treat_missing_data),
                       " but alarms on AWS/DynamoDB always behave as `ignore` "
                       "(spec 3.4): the setting has no effect."),
          LintFinding::Severity::kNote);
    }
    bool ec2_action = false;
    for (const std::vector<std::string>* list :
         {&spec.alarm_actions, &spec.ok_actions,
          &spec.insufficient_data_actions}) {
      for (const std::string& arn : *list) {
        if (absl::StrContains(arn, ":automate:") &&
            absl::StrContains(arn, ":ec2:")) {
          ec2_action = true;
        }
      }
    }
    if (ec2_action && tmd == TreatMissingData::kBreaching) {
      add("ec2-action-with-breaching",
          "The alarm stops, terminates, reboots or recovers an instance and "
          "treats missing data as breaching. EC2 metrics can briefly go "
          "missing even for healthy instances (spec 7.15), so a gap can "
          "trigger the action. AWS recommends `missing` for these alarms.");
    }
    const bool has_actions = !spec.alarm_actions.empty() ||
                             !spec.ok_actions.empty() ||
                             !spec.insufficient_data_actions.empty();
    if (has_actions && !spec.actions_enabled) {
      add("actions-disabled",
          "Actions are listed but ActionsEnabled is false: the alarm changes "
          "state and writes history, but notifies nobody.",
          LintFinding::Severity::kNote);
    } else if (spec.alarm_actions.empty()) {
      add("no-alarm-actions",
          "AlarmActions is empty: going to ALARM notifies nobody (fine for "
          "alarms only used by composite alarms or dashboards).",
          LintFinding::Severity::kNote);
    }
  }
  return findings;
}

absl::Status RunLint(const ReplayOptions& options, std::string* out,
                     int* warnings) {
  out->clear();
  *warnings = 0;
  absl::StatusOr<std::vector<AlarmSpec>> alarms =
      LoadAlarmsFile(options.alarms_path);
  if (!alarms.ok()) return alarms.status();
  std::optional<std::vector<TimedDatum>> data;
  if (!options.metrics_path.empty() || !options.series.empty()) {
    absl::StatusOr<std::vector<TimedDatum>> loaded = LoadReplayData(options);
    if (!loaded.ok()) return loaded.status();
    data = std::move(*loaded);
  }
  std::vector<LintFinding> findings =
      LintAlarms(*alarms, data ? &*data : nullptr);
  for (const LintFinding& f : findings) {
    const bool warning = f.severity == LintFinding::Severity::kWarning;
    *warnings += warning;
    absl::StrAppend(out, "alarm \"", f.alarm_name,
                    "\": ", warning ? "warning" : "note", " [", f.rule, "]\n  ",
                    f.explanation, "\n");
  }
  absl::StrAppend(out, alarms->size(), " alarm", alarms->size() == 1 ? "" : "s",
                  " checked", data ? " against the metric history" : "", ": ",
                  *warnings, " warning", *warnings == 1 ? "" : "s", ", ",
                  findings.size() - *warnings, " note",
                  findings.size() - *warnings == 1 ? "" : "s", "\n");
  return absl::OkStatus();
}

}  // namespace cwalarm
