// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/state_reason.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "alarm/cw_format.h"
#include "alarm/json_writer.h"

namespace cwalarm {
namespace {

// "1 datapoint" / "3 datapoints".
std::string Count(int n, absl::string_view noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

absl::string_view WasWere(int n) { return n == 1 ? "was" : "were"; }

// " and F missing datapoint(s) was/were treated as [Breaching]" (spec 4.5).
std::string FillClause(int fill, TreatMissingData tmd) {
  if (fill == 0) return "";
  return absl::StrCat(" and ", Count(fill, "missing datapoint"), " ",
                      WasWere(fill), " treated as [",
                      tmd == TreatMissingData::kBreaching ? "Breaching"
                                                          : "NonBreaching",
                      "]");
}

}  // namespace

StateReason BuildStateReason(const AlarmSpec& spec,
                             absl::Span<const RangeBucket> range,
                             const Decision& decision, AlarmState new_state,
                             absl::Time query_date, ReasonForm form) {
  const int n = spec.evaluation_periods;
  const int m = spec.EffectiveDatapointsToAlarm();
  const int r = static_cast<int>(range.size());
  const TreatMissingData tmd = spec.EffectiveTreatMissingData();
  const double threshold = spec.threshold.value_or(0);

  // The real datapoints that took part: the `used_real` most recent ones
  // (Decision contract), newest first.
  std::vector<int> used;
  for (int i = r - 1; i >= 0 && static_cast<int>(used.size()) < decision.used_real;
       --i) {
    if (range[i].present) used.push_back(i);
  }
  // The datapoints the reason lists: the breaching ones for ALARM, the
  // non-breaching ones for OK (spec 4.5 #4), newest first.
  std::vector<int> listed;
  if (new_state != AlarmState::kInsufficientData) {
    const bool want_breaching = new_state == AlarmState::kAlarm;
    for (int i : used) {
      if (range[i].breaching == want_breaching) listed.push_back(i);
    }
  }
  const int k = static_cast<int>(listed.size());

  StateReason out;
  if (new_state == AlarmState::kInsufficientData) {
    out.reason = absl::StrCat("Insufficient Data: ", Count(n, "datapoint"), " ",
                              WasWere(n), " unknown.");
  } else if (listed.empty()) {
    // No real datapoint supports the new state: the fill-ins decided, or
    // (missing/ignore) too few real datapoints. spec 4.5 #3 and the partial
    // quote "1 datapoint was received for 3 periods and 2 missing
    // datapoints were treated as [Breaching]".
    std::string received =
        decision.used_real == 0
            ? absl::StrCat("no datapoints were received for ", Count(n, "period"))
            : absl::StrCat(Count(decision.used_real, "datapoint"), " ",
                           WasWere(decision.used_real), " received for ",
                           Count(n, "period"));
    out.reason = absl::StrCat("Threshold Crossed: ", received,
                              FillClause(decision.fill_count, tmd), ".");
  } else {
    const bool alarm = new_state == AlarmState::kAlarm;
    // "v (dd/MM/yy HH:mm:ss), ..." appended in place.
    std::string items;
    items.reserve(listed.size() * 32);
    for (int i : listed) {
      if (!items.empty()) items.append(", ");
      AppendJavaDouble(range[i].value, &items);
      items.append(" (");
      AppendReasonTimestamp(range[i].start, &items);
      items.push_back(')');
    }
    bool long_form = form == ReasonForm::kLong ||
                     (form == ReasonForm::kAuto && spec.datapoints_to_alarm.has_value());
    std::string head =
        long_form ? absl::StrCat(k, " out of the last ", n, " datapoints")
                  : Count(k, "datapoint");
    if (spec.IsAnomalyDetection()) {
      // spec 4.5 #6: the band's bounds at the listed datapoints, in the same
      // order. The wording of the one-sided operators is [OPEN]: each keeps
      // its half of the two-sided sentence (docs/choices.md).
      std::vector<std::string> lows, highs;
      for (int i : listed) {
        lows.push_back(FormatJavaDouble(range[i].lower));
        highs.push_back(FormatJavaDouble(range[i].upper));
      }
      const std::string lower = absl::StrCat(
          alarm ? "" : "not ", "less than the lower thresholds [",
          absl::StrJoin(lows, ", "), "]");
      const std::string upper = absl::StrCat(
          alarm ? "" : "not ", "greater than the upper thresholds [",
          absl::StrJoin(highs, ", "), "]");
      std::string sentence;
      switch (spec.comparison_operator) {
        case ComparisonOperator::kLessThanLowerThreshold:
          sentence = lower;
          break;
        case ComparisonOperator::kGreaterThanUpperThreshold:
          sentence = upper;
          break;
        default:
          sentence = absl::StrCat(lower, " or ", upper);
          break;
      }
      out.reason = absl::StrCat("Thresholds Crossed: ", head, " [",
                                items, "] ", WasWere(k),
                                " ", sentence,
                                FillClause(decision.fill_count, tmd));
    } else {
      std::string op = absl::StrCat(alarm ? "" : "not ",
                                    ComparisonPhrase(spec.comparison_operator));
      out.reason = absl::StrCat("Threshold Crossed: ", head, " [",
                                items, "] ", WasWere(k),
                                " ", op, " the threshold (",
                                FormatJavaDouble(threshold), ")",
                                FillClause(decision.fill_count, tmd));
    }
    if (long_form) {
      int minimum = alarm ? m : n - m + 1;
      absl::StrAppend(&out.reason, " (minimum ", Count(minimum, "datapoint"),
                      " for ", alarm ? "OK -> ALARM" : "ALARM -> OK",
                      " transition)");
    }
    out.reason.push_back('.');
  }

  // StateReasonData (spec 4.6), keys in CloudWatch's order.
  JsonWriter w;
  w.Reserve(256 + 96 * static_cast<size_t>(std::min(n, r) + k));
  w.BeginObject();
  w.Key("version");
  w.String("1.0");
  w.Key("queryDate");
  w.CwTimestamp(query_date);
  if (!listed.empty()) {
    w.Key("startDate");
    w.CwTimestamp(range[listed.back()].start);
  }
  if (spec.unit.has_value()) {
    w.Key("unit");
    w.String(UnitName(*spec.unit));
  }
  // Math and anomaly alarms have no statistic key (spec 4.6).
  if (!spec.HasMetricsList()) {
    w.Key("statistic");
    w.String(spec.statistic.has_value() ? StatisticName(*spec.statistic)
                                        : spec.extended_statistic.value_or(""));
  }
  w.Key("period");
  w.Int(absl::ToInt64Seconds(spec.EffectivePeriod()));
  w.Key("recentDatapoints");
  w.BeginArray();
  for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
    w.Double(range[*it].value);
  }
  w.EndArray();
  if (spec.IsAnomalyDetection()) {
    // spec 4.6: the band at the listed datapoints replaces `threshold`,
    // oldest first like recentDatapoints; lower before upper as the spec
    // lists them (docs/choices.md).
    w.Key("recentLowerThresholds");
    w.BeginArray();
    for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
      w.Double(range[*it].lower);
    }
    w.EndArray();
    w.Key("recentUpperThresholds");
    w.BeginArray();
    for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
      w.Double(range[*it].upper);
    }
    w.EndArray();
  } else {
    w.Key("threshold");
    w.Double(threshold);
  }
  // Which buckets evaluatedDatapoints lists is [OPEN] (spec 4.6); we list
  // the N newest buckets, extended back to the oldest real datapoint that
  // took part, newest first.
  int depth = std::min(n, r);
  if (!used.empty()) depth = std::max(depth, r - used.back());
  w.Key("evaluatedDatapoints");
  w.BeginArray();
  for (int i = r - 1; i >= r - depth; --i) {
    w.BeginObject();
    w.Key("timestamp");
    w.CwTimestamp(range[i].start);
    if (range[i].present) {
      // A math result has no sample count of its own (docs/choices.md).
      if (!spec.HasMetricsList()) {
        w.Key("sampleCount");
        w.Double(range[i].sample_count);
      }
      w.Key("value");
      w.Double(range[i].value);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out.reason_data = w.Release();
  return out;
}

}  // namespace cwalarm
