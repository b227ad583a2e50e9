// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "alarm/state_reason.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "alarm/cw_format.h"
#include "alarm/json_writer.h"
#include "alarm/threshold.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"

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


// Appends `n` in decimal.
void AppendInt(int64_t n, std::string* out) {
  char buf[24];
  char* p = std::to_chars(buf, buf + sizeof(buf), n).ptr;
  out->append(buf, static_cast<size_t>(p - buf));
}

// Appends "1 datapoint" / "3 datapoints" (Count without a temporary).
void AppendCount(int n, absl::string_view noun, std::string* out) {
  AppendInt(n, out);
  out->push_back(' ');
  out->append(noun.data(), noun.size());
  if (n != 1) out->push_back('s');
}

// A buffer of `n` ints on the stack when small, on the heap otherwise.
class IntBuffer {
 public:
  explicit IntBuffer(size_t n) {
    if (n > kInline) heap_.resize(n);
    data_ = n > kInline ? heap_.data() : inline_;
  }
  int& operator[](size_t i) { return data_[i]; }

 private:
  static constexpr size_t kInline = 64;
  int inline_[kInline];
  std::vector<int> heap_;
  int* data_;
};

}  // namespace

StateReason BuildStateReason(const AlarmSpec& spec,
                             absl::Span<const RangeBucket> range,
                             const Decision& decision, AlarmState new_state,
                             absl::Time query_date, ReasonForm form) {
  StateReason out;
  BuildStateReasonInto(spec, range, decision, new_state, query_date, form,
                       &out.reason, &out.reason_data);
  return out;
}

void BuildStateReasonInto(const AlarmSpec& spec,
                          absl::Span<const RangeBucket> range,
                          const Decision& decision, AlarmState new_state,
                          absl::Time query_date, ReasonForm form,
                          std::string* reason, std::string* reason_data) {
  BuildStateReasonInto(spec, spec.threshold.value_or(0), range, decision,
                       new_state, query_date, form, reason, reason_data);
}

void BuildStateReasonInto(const AlarmSpec& spec, double threshold,
                          absl::Span<const RangeBucket> range,
                          const Decision& decision, AlarmState new_state,
                          absl::Time query_date, ReasonForm form,
                          std::string* reason, std::string* reason_data) {
  const int n = spec.evaluation_periods;
  const int m = spec.EffectiveDatapointsToAlarm();
  const int r = static_cast<int>(range.size());
  reason->clear();
  reason_data->clear();

  // The real datapoints that took part: the `used_real` most recent ones
  // (Decision contract), newest first.
  IntBuffer used(static_cast<size_t>(r));
  int used_count = 0;
  for (int i = r - 1; i >= 0 && used_count < decision.used_real; --i) {
    if (range[i].present) used[used_count++] = i;
  }
  // The datapoints the reason lists: the breaching ones for ALARM, the
  // non-breaching ones for OK (spec 4.5 #4), newest first.
  IntBuffer listed(static_cast<size_t>(r));
  int k = 0;
  if (new_state != AlarmState::kInsufficientData) {
    const bool want_breaching = new_state == AlarmState::kAlarm;
    for (int j = 0; j < used_count; ++j) {
      if (range[used[j]].breaching == want_breaching) listed[k++] = used[j];
    }
  }
  // Which buckets evaluatedDatapoints lists is [OPEN] (spec 4.6); we list
  // the N newest buckets, extended back to the oldest real datapoint that
  // took part, newest first. Every listed datapoint lies in them.
  int depth = std::min(n, r);
  if (used_count > 0) depth = std::max(depth, r - used[used_count - 1]);
  // Each datapoint value of those buckets is printed once (Java digits);
  // the reason and the JSON copy the text (value_at / value_len, indexed
  // from the oldest of the `depth` buckets).
  std::vector<char> values_heap;
  char values_inline[16 * kMaxJavaDoubleChars];
  char* values = values_inline;
  if (static_cast<size_t>(depth) > 16) {
    values_heap.resize(static_cast<size_t>(depth) * kMaxJavaDoubleChars);
    values = values_heap.data();
  }
  IntBuffer value_at(static_cast<size_t>(depth));
  IntBuffer value_len(static_cast<size_t>(depth));
  for (int j = 0; j < depth; ++j) {
    const RangeBucket& b = range[r - depth + j];
    char* const at = values + static_cast<size_t>(j) * kMaxJavaDoubleChars;
    value_at[j] = j * static_cast<int>(kMaxJavaDoubleChars);
    value_len[j] =
        b.present ? static_cast<int>(WriteJavaDouble(b.value, at) - at) : 0;
  }
  auto value_text = [&](int i) {
    const int j = i - (r - depth);
    return absl::string_view(values + value_at[j],
                             static_cast<size_t>(value_len[j]));
  };

  if (new_state == AlarmState::kInsufficientData) {
    reason->append("Insufficient Data: ");
    AppendCount(n, "datapoint", reason);
    reason->push_back(' ');
    reason->append(WasWere(n).data(), WasWere(n).size());
    reason->append(" unknown.");
  } else if (k == 0) {
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
    absl::StrAppend(reason, "Threshold Crossed: ", received,
                    FillClause(decision.fill_count,
                               spec.EffectiveTreatMissingData()),
                    ".");
  } else {
    const bool alarm = new_state == AlarmState::kAlarm;
    const bool long_form =
        form == ReasonForm::kLong ||
        (form == ReasonForm::kAuto && spec.datapoints_to_alarm.has_value());
    const bool anomaly = spec.IsAnomalyDetection();
    StringAppender a(reason, 160 + static_cast<size_t>(k) * 48);
    if (anomaly) {
      a.Literal("Thresholds Crossed: ");
    } else {
      a.Literal("Threshold Crossed: ");
    }
    a.Int(k);
    if (long_form) {
      a.Literal(" out of the last ");
      a.Int(n);
      a.Literal(" datapoints");
    } else if (k == 1) {
      a.Literal(" datapoint");
    } else {
      a.Literal(" datapoints");
    }
    a.Literal(" [");
    // "v (dd/MM/yy HH:mm:ss), ..." newest first.
    for (int j = 0; j < k; ++j) {
      if (j > 0) a.Literal(", ");
      a.Append(value_text(listed[j]));
      a.Literal(" (");
      a.ReasonTimestamp(range[listed[j]].start);
      a.Char(')');
    }
    if (k == 1) {
      a.Literal("] was ");
    } else {
      a.Literal("] were ");
    }
    if (anomaly) {
      // spec 4.5 #6: the band's bounds at the listed datapoints, in the same
      // order. The wording of the one-sided operators is [OPEN]: each keeps
      // its half of the two-sided sentence (docs/choices.md).
      std::vector<std::string> lows, highs;
      for (int j = 0; j < k; ++j) {
        lows.push_back(FormatJavaDouble(range[listed[j]].lower));
        highs.push_back(FormatJavaDouble(range[listed[j]].upper));
      }
      const std::string lower = absl::StrCat(
          alarm ? "" : "not ", "less than the lower thresholds [",
          absl::StrJoin(lows, ", "), "]");
      const std::string upper = absl::StrCat(
          alarm ? "" : "not ", "greater than the upper thresholds [",
          absl::StrJoin(highs, ", "), "]");
      switch (spec.comparison_operator) {
        case ComparisonOperator::kLessThanLowerThreshold:
          a.Append(lower);
          break;
        case ComparisonOperator::kGreaterThanUpperThreshold:
          a.Append(upper);
          break;
        default:
          a.Append(lower);
          a.Literal(" or ");
          a.Append(upper);
          break;
      }
    } else {
      if (!alarm) a.Literal("not ");
      a.Append(ComparisonPhrase(spec.comparison_operator));
      a.Literal(" the threshold (");
      a.JavaDouble(threshold);
      a.Char(')');
    }
    if (decision.fill_count != 0) {
      a.Append(FillClause(decision.fill_count,
                          spec.EffectiveTreatMissingData()));
    }
    if (long_form) {
      const int minimum = alarm ? m : n - m + 1;
      a.Literal(" (minimum ");
      a.Int(minimum);
      if (minimum == 1) {
        a.Literal(" datapoint");
      } else {
        a.Literal(" datapoints");
      }
      if (alarm) {
        a.Literal(" for OK -> ALARM transition)");
      } else {
        a.Literal(" for ALARM -> OK transition)");
      }
    }
    a.Char('.');
  }

  // StateReasonData (spec 4.6), keys in CloudWatch's order: what JsonWriter
  // writes for the same calls (compact form), appended directly.
  StringAppender w(reason_data, 256 + 96 * static_cast<size_t>(depth + k));
  w.Literal("{\"version\":\"1.0\",\"queryDate\":");
  w.QuotedCwTimestamp(query_date);
  if (k > 0) {
    w.Literal(",\"startDate\":");
    w.QuotedCwTimestamp(range[listed[k - 1]].start);
  }
  if (spec.unit.has_value()) {
    w.Literal(",\"unit\":");
    w.Quoted(UnitName(*spec.unit));
  }
  // Math and anomaly alarms have no statistic key (spec 4.6).
  const bool math = spec.HasMetricsList();
  if (!math) {
    w.Literal(",\"statistic\":");
    if (spec.statistic.has_value()) {
      // The five statistic names need no escape.
      const absl::string_view name = StatisticName(*spec.statistic);
      w.Char('"');
      w.Append(name);
      w.Char('"');
    } else {
      w.Quoted(spec.extended_statistic.has_value()
                   ? absl::string_view(*spec.extended_statistic)
                   : absl::string_view());
    }
  }
  w.Literal(",\"period\":");
  w.Int(absl::ToInt64Seconds(spec.EffectivePeriod()));
  // A datapoint value: its printed text, null when not finite.
  auto value_json = [&](int i) {
    if (!std::isfinite(range[i].value)) {
      w.Literal("null");
    } else {
      w.Append(value_text(i));
    }
  };
  // Oldest first.
  auto append_listed = [&](auto value_of) {
    w.Char('[');
    for (int j = k - 1; j >= 0; --j) {
      if (j != k - 1) w.Char(',');
      value_of(listed[j]);
    }
    w.Char(']');
  };
  w.Literal(",\"recentDatapoints\":");
  append_listed(value_json);
  if (spec.IsAnomalyDetection()) {
    // spec 4.6: the band at the listed datapoints replaces `threshold`,
    // oldest first like recentDatapoints; lower before upper as the spec
    // lists them (docs/choices.md).
    w.Literal(",\"recentLowerThresholds\":");
    append_listed([&](int i) { w.JsonDouble(range[i].lower); });
    w.Literal(",\"recentUpperThresholds\":");
    append_listed([&](int i) { w.JsonDouble(range[i].upper); });
  } else {
    w.Literal(",\"threshold\":");
    w.JsonDouble(threshold);
  }
  w.Literal(",\"evaluatedDatapoints\":[");
  for (int i = r - 1; i >= r - depth; --i) {
    if (i != r - 1) w.Char(',');
    w.Literal("{\"timestamp\":");
    w.QuotedCwTimestamp(range[i].start);
    if (range[i].present) {
      // A math result has no sample count of its own (docs/choices.md).
      if (!math) {
        w.Literal(",\"sampleCount\":");
        w.JsonDouble(range[i].sample_count);
      }
      w.Literal(",\"value\":");
      value_json(i);
    }
    w.Char('}');
  }
  w.Literal("]}");
  w.Finish();
}

}  // namespace cwalarm
