// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "tools/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_state.h"
#include "alarm/threshold.h"
#include "metrics/period.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"

namespace cwalarm {
namespace {

constexpr double kWidth = 1000;
constexpr double kPanelHeight = 250;
constexpr double kHeaderHeight = 40;
constexpr double kLeft = 70;  // Room for value labels.
constexpr double kRight = 20;
constexpr double kTop = 34;     // Panel title and action markers.
constexpr double kBottom = 56;  // State strip, time labels.
constexpr double kStrip = 10;   // Height of the state strip under the plot.
// Beyond this many values a panel draws only the line: markers would merge
// anyway, and a month of minute data would make a file of megabytes.
constexpr size_t kMaxDatapointMarkers = 1500;

// The few SVG/XML constructs we need; text is always escaped.
class SvgWriter {
 public:
  void Open(absl::string_view tag, absl::string_view attributes) {
    absl::StrAppend(&out_, indent_, "<", tag, attributes.empty() ? "" : " ",
                    attributes, ">\n");
    indent_ += "  ";
  }
  void Close(absl::string_view tag) {
    indent_.resize(indent_.size() - 2);
    absl::StrAppend(&out_, indent_, "</", tag, ">\n");
  }
  void Empty(absl::string_view tag, absl::string_view attributes) {
    absl::StrAppend(&out_, indent_, "<", tag, " ", attributes, "/>\n");
  }
  // An element whose only content is `text`.
  void Text(absl::string_view tag, absl::string_view attributes,
            absl::string_view text) {
    absl::StrAppend(&out_, indent_, "<", tag, attributes.empty() ? "" : " ",
                    attributes, ">", Escape(text), "</", tag, ">\n");
  }
  void Raw(absl::string_view s) { absl::StrAppend(&out_, indent_, s, "\n"); }
  std::string Release() { return std::move(out_); }

  static std::string Escape(absl::string_view text) {
    std::string s;
    for (char c : text) {
      switch (c) {
        case '&':
          s += "&amp;";
          break;
        case '<':
          s += "&lt;";
          break;
        case '>':
          s += "&gt;";
          break;
        case '"':
          s += "&quot;";
          break;
        case '\'':
          s += "&apos;";
          break;
        default:
          s += c;
      }
    }
    return s;
  }

 private:
  std::string out_;
  std::string indent_;
};

std::string N(double v) { return absl::StrFormat("%.1f", v); }

// A round tick step giving about `target` ticks over `span`.
double NiceStep(double span, int target) {
  if (!(span > 0)) return 1;
  double raw = span / target;
  double magnitude = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * magnitude >= raw) return m * magnitude;
  }
  return 10 * magnitude;
}

// A time tick step from the usual clock intervals, about 8 ticks.
absl::Duration TimeStep(absl::Duration span) {
  static const int64_t kSteps[] = {10,    30,    60,     120,   300,   600,
                                   900,   1800,  3600,   7200,  10800, 21600,
                                   43200, 86400, 172800, 604800};
  for (int64_t s : kSteps) {
    if (span / absl::Seconds(s) <= 10) return absl::Seconds(s);
  }
  return absl::Seconds(604800);
}

// Value labels without trailing zeros: 80, 2.5, 0.001.
std::string Label(double v) {
  if (std::fabs(v) < 1e-12) v = 0;
  std::string s = absl::StrFormat("%.6g", v);
  return s;
}

absl::string_view StateColor(AlarmState s) {
  switch (s) {
    case AlarmState::kOk:
      return "#2e9e4f";
    case AlarmState::kAlarm:
      return "#d93025";
    case AlarmState::kInsufficientData:
      return "#9aa0a6";
  }
  return "#9aa0a6";
}

std::string Title(const AlarmSpec& spec) {
  std::string metric =
      absl::StrCat(spec.metric.metric_namespace, " ", spec.metric.metric_name);
  if (!spec.metric.dimensions.empty()) {
    metric += " {";
    for (size_t i = 0; i < spec.metric.dimensions.size(); ++i) {
      absl::StrAppend(&metric, i ? ", " : "", spec.metric.dimensions[i].name,
                      "=", spec.metric.dimensions[i].value);
    }
    metric += "}";
  }
  std::string statistic = spec.statistic
                              ? std::string(StatisticName(*spec.statistic))
                              : spec.extended_statistic.value_or("");
  return absl::StrCat(spec.alarm_name, ": ", statistic, " of ", metric, " per ",
                      absl::ToInt64Seconds(spec.period), " s, ",
                      ComparisonOperatorName(spec.comparison_operator), " ",
                      spec.threshold ? Label(*spec.threshold) : "?", ", ",
                      spec.EffectiveDatapointsToAlarm(), " of ",
                      spec.evaluation_periods, ", missing data: ",
                      TreatMissingDataName(spec.EffectiveTreatMissingData()));
}

void Panel(absl::Span<const absl::Time> instants, const AlarmTrace& trace,
           double top, SvgWriter* w) {
  // One step past the last instant, so the final state shows as a band.
  const absl::Time t0 = instants.front();
  const absl::Duration last_step =
      instants.size() > 1 ? instants.back() - instants[instants.size() - 2]
                          : absl::Seconds(60);
  const absl::Time t1 = instants.back() + last_step;
  const double x0 = kLeft, x1 = kWidth - kRight;
  const double y0 = top + kTop, y1 = top + kPanelHeight - kBottom;
  auto x_of = [&](absl::Time t) {
    return x0 + (x1 - x0) * absl::FDivDuration(t - t0, t1 - t0);
  };

  // Value range: every bucket value and the threshold, padded by 5%.
  double lo = INFINITY, hi = -INFINITY;
  for (const BucketValue& b : trace.buckets) {
    if (!b.value) continue;
    lo = std::min(lo, *b.value);
    hi = std::max(hi, *b.value);
  }
  if (trace.spec.threshold) {
    lo = std::min(lo, *trace.spec.threshold);
    hi = std::max(hi, *trace.spec.threshold);
  }
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (hi - lo < 1e-9) lo -= 1, hi += 1;
  double pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const double step = NiceStep(hi - lo, 5);
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  auto y_of = [&](double v) { return y1 - (y1 - y0) * (v - lo) / (hi - lo); };

  w->Open("g", absl::StrCat("class=\"panel\" data-alarm=\"",
                            SvgWriter::Escape(trace.spec.alarm_name), "\""));
  w->Text(
      "text",
      absl::StrCat("class=\"title\" x=\"", N(x0), "\" y=\"", N(top + 18), "\""),
      Title(trace.spec));

  // State bands: translucent behind the plot, solid in the strip below it.
  w->Open("g", "class=\"bands\"");
  AlarmState state = trace.initial_state;
  absl::Time from = t0;
  auto band = [&](absl::Time until, AlarmState s) {
    double a = x_of(from), b = x_of(until);
    std::string name(AlarmStateName(s));
    w->Open("g", absl::StrCat("class=\"band state-", name, "\""));
    w->Empty("rect", absl::StrCat("x=\"", N(a), "\" y=\"", N(y0), "\" width=\"",
                                  N(std::max(0.0, b - a)), "\" height=\"",
                                  N(y1 - y0), "\" fill=\"", StateColor(s),
                                  "\" fill-opacity=\"0.12\""));
    w->Empty("rect",
             absl::StrCat("x=\"", N(a), "\" y=\"", N(y1 + 2), "\" width=\"",
                          N(std::max(0.0, b - a)), "\" height=\"", N(kStrip),
                          "\" fill=\"", StateColor(s), "\""));
    w->Text("title", "",
            absl::StrCat(name, " from ",
                         absl::FormatTime("%Y-%m-%d %H:%M:%S", from,
                                          absl::UTCTimeZone()),
                         " UTC"));
    w->Close("g");
  };
  for (const ReplayTransition& tr : trace.transitions) {
    band(tr.at, state);
    state = tr.new_state;
    from = tr.at;
  }
  band(t1, state);
  w->Close("g");

  // Axes and grid.
  w->Open("g", "class=\"axes\" font-size=\"11\" fill=\"#444\"");
  for (double v = lo; v <= hi + step / 2; v += step) {
    double y = y_of(v);
    w->Empty("line",
             absl::StrCat("x1=\"", N(x0), "\" x2=\"", N(x1), "\" y1=\"", N(y),
                          "\" y2=\"", N(y), "\" stroke=\"#ddd\""));
    w->Text("text",
            absl::StrCat("x=\"", N(x0 - 6), "\" y=\"", N(y + 4),
                         "\" text-anchor=\"end\""),
            Label(v));
  }
  const absl::Duration tick = TimeStep(t1 - t0);
  std::string last_day;
  for (absl::Time t = AlignDown(t0, tick) +
                      (AlignDown(t0, tick) < t0 ? tick : absl::ZeroDuration());
       t <= t1; t += tick) {
    double x = x_of(t);
    w->Empty("line",
             absl::StrCat("x1=\"", N(x), "\" x2=\"", N(x), "\" y1=\"", N(y0),
                          "\" y2=\"", N(y1), "\" stroke=\"#eee\""));
    std::string day = absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
    std::string label = absl::FormatTime("%H:%M", t, absl::UTCTimeZone());
    w->Text("text",
            absl::StrCat("x=\"", N(x), "\" y=\"", N(y1 + kStrip + 16),
                         "\" text-anchor=\"middle\""),
            label);
    if (day != last_day) {
      w->Text("text",
              absl::StrCat("x=\"", N(x), "\" y=\"", N(y1 + kStrip + 30),
                           "\" text-anchor=\"middle\""),
              day);
      last_day = day;
    }
  }
  // The zone of the time axis, left of the tick labels.
  w->Text("text",
          absl::StrCat("x=\"", N(x0 - 22), "\" y=\"", N(y1 + kStrip + 16),
                       "\" text-anchor=\"end\" font-weight=\"bold\""),
          "UTC");
  w->Empty("rect", absl::StrCat("x=\"", N(x0), "\" y=\"", N(y0), "\" width=\"",
                                N(x1 - x0), "\" height=\"", N(y1 - y0),
                                "\" fill=\"none\" stroke=\"#888\""));
  w->Close("g");

  // Threshold.
  if (trace.spec.threshold) {
    double y = y_of(*trace.spec.threshold);
    w->Empty("line",
             absl::StrCat("class=\"threshold\" x1=\"", N(x0), "\" x2=\"", N(x1),
                          "\" y1=\"", N(y), "\" y2=\"", N(y),
                          "\" stroke=\"#d93025\" stroke-width=\"1.5\" "
                          "stroke-dasharray=\"6 4\""));
    w->Text("text",
            absl::StrCat("x=\"", N(x1 - 4), "\" y=\"", N(y - 4),
                         "\" text-anchor=\"end\" font-size=\"11\" "
                         "fill=\"#d93025\""),
            absl::StrCat("threshold ", Label(*trace.spec.threshold)));
  }

  // Datapoints: lines between consecutive buckets with data.
  w->Open("g", "class=\"datapoints\" stroke=\"#1a73e8\" fill=\"#1a73e8\"");
  std::string points;
  auto flush = [&]() {
    if (points.find(' ') != std::string::npos) {
      w->Empty("polyline",
               absl::StrCat("class=\"series\" points=\"", points,
                            "\" fill=\"none\" stroke-width=\"1.5\""));
    }
    points.clear();
  };
  for (const BucketValue& b : trace.buckets) {
    if (!b.value) {
      flush();
      continue;
    }
    if (!points.empty()) points += ' ';
    absl::StrAppend(&points, N(x_of(b.evaluated_at)), ",", N(y_of(*b.value)));
  }
  flush();
  size_t with_value = 0;
  for (const BucketValue& b : trace.buckets) with_value += b.value.has_value();
  for (const BucketValue& b : trace.buckets) {
    if (!b.value || with_value > kMaxDatapointMarkers) continue;
    w->Open("circle",
            absl::StrCat("class=\"datapoint\" cx=\"", N(x_of(b.evaluated_at)),
                         "\" cy=\"", N(y_of(*b.value)), "\" r=\"2\""));
    w->Text(
        "title", "",
        absl::StrCat(
            Label(*b.value), " for [",
            absl::FormatTime("%H:%M:%S", b.bucket_start, absl::UTCTimeZone()),
            ", ",
            absl::FormatTime("%H:%M:%S", b.bucket_start + trace.spec.period,
                             absl::UTCTimeZone()),
            ")"));
    w->Close("circle");
  }
  w->Close("g");

  // Action markers: a triangle pointing down at the top edge.
  w->Open("g", "class=\"actions\"");
  for (const RecordedAction& a : trace.actions) {
    double x = x_of(a.timestamp);
    std::string color(StateColor(a.new_state));
    w->Open("path", absl::StrCat("class=\"action\" d=\"M", N(x - 6), " ",
                                 N(y0 - 12), " L", N(x + 6), " ", N(y0 - 12),
                                 " L", N(x), " ", N(y0 - 1), " Z\" fill=\"",
                                 a.succeeded ? color : std::string("white"),
                                 "\" stroke=\"", color, "\""));
    w->Text("title", "",
            absl::StrCat(AlarmStateName(a.new_state), " action ", a.action,
                         a.succeeded ? "" : " (failed)", " at ",
                         absl::FormatTime("%H:%M:%S", a.timestamp,
                                          absl::UTCTimeZone())));
    w->Close("path");
  }
  w->Close("g");
  w->Close("g");
}

void Legend(double y, SvgWriter* w) {
  w->Open("g", "class=\"legend\" font-size=\"12\" fill=\"#333\"");
  double x = kLeft;
  for (AlarmState s :
       {AlarmState::kOk, AlarmState::kAlarm, AlarmState::kInsufficientData}) {
    w->Empty("rect", absl::StrCat("x=\"", N(x), "\" y=\"", N(y - 10),
                                  "\" width=\"14\" height=\"10\" fill=\"",
                                  StateColor(s), "\""));
    std::string name(AlarmStateName(s));
    w->Text("text", absl::StrCat("x=\"", N(x + 18), "\" y=\"", N(y), "\""),
            name);
    x += 30 + 7.5 * name.size();
  }
  w->Empty("line", absl::StrCat("x1=\"", N(x), "\" x2=\"", N(x + 20),
                                "\" y1=\"", N(y - 5), "\" y2=\"", N(y - 5),
                                "\" stroke=\"#1a73e8\" stroke-width=\"1.5\""));
  w->Text("text", absl::StrCat("x=\"", N(x + 24), "\" y=\"", N(y), "\""),
          "newest bucket per evaluation");
  x += 220;
  w->Empty("line",
           absl::StrCat("x1=\"", N(x), "\" x2=\"", N(x + 20), "\" y1=\"",
                        N(y - 5), "\" y2=\"", N(y - 5),
                        "\" stroke=\"#d93025\" stroke-dasharray=\"6 4\""));
  w->Text("text", absl::StrCat("x=\"", N(x + 24), "\" y=\"", N(y), "\""),
          "threshold");
  x += 100;
  w->Empty("path", absl::StrCat("d=\"M", N(x), " ", N(y - 10), " L", N(x + 12),
                                " ", N(y - 10), " L", N(x + 6), " ", N(y),
                                " Z\" fill=\"#555\""));
  w->Text("text", absl::StrCat("x=\"", N(x + 18), "\" y=\"", N(y), "\""),
          "action");
  w->Close("g");
}

}  // namespace

std::string RenderSvgPlot(absl::Span<const absl::Time> instants,
                          absl::Span<const AlarmTrace> alarms) {
  SvgWriter w;
  const double height =
      kHeaderHeight + kPanelHeight * static_cast<double>(alarms.size());
  w.Raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
  w.Open("svg", absl::StrCat("xmlns=\"http://www.w3.org/2000/svg\" width=\"",
                             N(kWidth), "\" height=\"", N(height),
                             "\" viewBox=\"0 0 ", N(kWidth), " ", N(height),
                             "\" font-family=\"sans-serif\""));
  w.Text("title", "", "cwalarm replay");
  w.Empty("rect", absl::StrCat("width=\"", N(kWidth), "\" height=\"", N(height),
                               "\" fill=\"white\""));
  Legend(24, &w);
  for (size_t i = 0; i < alarms.size(); ++i) {
    Panel(instants, alarms[i], kHeaderHeight + kPanelHeight * i, &w);
  }
  w.Close("svg");
  return w.Release();
}

}  // namespace cwalarm
