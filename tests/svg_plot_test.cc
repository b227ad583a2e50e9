// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests of the replay picture (tools/svg_plot.h): the document is
// well-formed XML, has one panel per alarm, transitions + 1 state bands and
// one marker per action, and is the same bytes every time.

#include "tools/svg_plot.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "config/config_loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/replay.h"

namespace cwalarm {
namespace {

// One element of a parsed document: its tag, attributes and children.
struct Element {
  std::string tag;
  std::map<std::string, std::string> attributes;
  std::vector<Element> children;
};

// A strict little XML reader for what our writer emits: a declaration,
// elements, quoted attributes, text with the five predefined entities.
// Returns false (and `error`) on anything malformed.
class XmlReader {
 public:
  explicit XmlReader(absl::string_view text) : text_(text) {}

  bool Parse(Element* root, std::string* error) {
    SkipSpace();
    if (absl::StartsWith(text_.substr(pos_), "<?xml")) {
      size_t end = text_.find("?>", pos_);
      if (end == absl::string_view::npos)
        return Fail("unclosed declaration", error);
      pos_ = end + 2;
    }
    SkipSpace();
    if (!ParseElement(root, error)) return false;
    SkipSpace();
    if (pos_ != text_.size()) return Fail("content after the root", error);
    return true;
  }

 private:
  bool Fail(absl::string_view what, std::string* error) {
    *error = absl::StrCat(what, " at byte ", pos_);
    return false;
  }
  void SkipSpace() {
    while (pos_ < text_.size() &&
           std::isspace(static_cast<unsigned char>(text_[pos_])))
      ++pos_;
  }
  std::string Name() {
    size_t b = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
            text_[pos_] == '-' || text_[pos_] == ':' || text_[pos_] == '_')) {
      ++pos_;
    }
    return std::string(text_.substr(b, pos_ - b));
  }
  bool CheckText(absl::string_view s, std::string* error) {
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '<') return Fail("'<' in text", error);
      if (s[i] == '&') {
        bool ok = false;
        for (absl::string_view e :
             {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"}) {
          if (absl::StartsWith(s.substr(i), e)) ok = true;
        }
        if (!ok) return Fail("bad entity", error);
      }
    }
    return true;
  }
  bool ParseElement(Element* e, std::string* error) {
    if (pos_ >= text_.size() || text_[pos_] != '<')
      return Fail("expected '<'", error);
    ++pos_;
    e->tag = Name();
    if (e->tag.empty()) return Fail("empty tag", error);
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size()) return Fail("unclosed tag", error);
      if (text_[pos_] == '/') {
        if (text_.substr(pos_, 2) != "/>") return Fail("bad '/'", error);
        pos_ += 2;
        return true;
      }
      if (text_[pos_] == '>') {
        ++pos_;
        break;
      }
      std::string name = Name();
      if (name.empty() || pos_ + 1 >= text_.size() || text_[pos_] != '=' ||
          text_[pos_ + 1] != '"') {
        return Fail("bad attribute", error);
      }
      pos_ += 2;
      size_t end = text_.find('"', pos_);
      if (end == absl::string_view::npos)
        return Fail("unclosed attribute", error);
      absl::string_view value = text_.substr(pos_, end - pos_);
      if (!CheckText(value, error)) return false;
      if (e->attributes.count(name)) return Fail("duplicate attribute", error);
      e->attributes[name] = std::string(value);
      pos_ = end + 1;
    }
    while (true) {
      size_t lt = text_.find('<', pos_);
      if (lt == absl::string_view::npos) return Fail("unclosed element", error);
      if (!CheckText(text_.substr(pos_, lt - pos_), error)) return false;
      pos_ = lt;
      if (text_.substr(pos_, 2) == "</") {
        pos_ += 2;
        if (Name() != e->tag)
          return Fail(absl::StrCat("mismatched </", e->tag), error);
        if (pos_ >= text_.size() || text_[pos_] != '>')
          return Fail("bad end tag", error);
        ++pos_;
        return true;
      }
      e->children.emplace_back();
      if (!ParseElement(&e->children.back(), error)) return false;
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

// Elements below `e` (inclusive) whose class list contains `cls`.
int CountClass(const Element& e, absl::string_view cls) {
  int n = 0;
  auto it = e.attributes.find("class");
  if (it != e.attributes.end()) {
    for (absl::string_view c : absl::StrSplit(it->second, ' ')) {
      if (c == cls) ++n;
    }
  }
  for (const Element& c : e.children) n += CountClass(c, cls);
  return n;
}

std::vector<const Element*> Panels(const Element& root) {
  std::vector<const Element*> out;
  for (const Element& c : root.children) {
    auto it = c.attributes.find("class");
    if (it != c.attributes.end() && it->second == "panel") out.push_back(&c);
  }
  return out;
}

constexpr char kAlarms[] = R"json({"MetricAlarms": [
  {"AlarmName": "cpu-high", "Namespace": "AWS/EC2",
   "MetricName": "CPUUtilization", "Statistic": "Average", "Period": 60,
   "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
   "EvaluationPeriods": 3, "Threshold": 80,
   "ComparisonOperator": "GreaterThanThreshold",
   "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:pager"],
   "OKActions": ["arn:aws:sns:us-east-1:123456789012:ops"]},
  {"AlarmName": "cpu <low> & \"quoted\"", "Namespace": "AWS/EC2",
   "MetricName": "CPUUtilization", "Statistic": "Maximum", "Period": 120,
   "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
   "EvaluationPeriods": 2, "Threshold": 20,
   "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "breaching"}
]})json";

ReplayRun ReplayScenario() {
  absl::StatusOr<std::vector<AlarmSpec>> alarms = ParseAlarmsJson(kAlarms, "a");
  EXPECT_TRUE(alarms.ok()) << alarms.status();
  ReplayOptions options;
  options.series = {
      "AWS/EC2 CPUUtilization{InstanceId=i-1} 10x5 90x5 _x2 50x4 95x4 10x6"};
  absl::StatusOr<std::vector<TimedDatum>> data = LoadReplayData(options);
  EXPECT_TRUE(data.ok()) << data.status();
  absl::StatusOr<ReplayRun> run =
      ReplayData(options, *alarms, *data, /*record_buckets=*/true);
  EXPECT_TRUE(run.ok()) << run.status();
  return std::move(*run);
}

TEST(SvgPlotTest, IsWellFormedWithOnePanelPerAlarm) {
  ReplayRun run = ReplayScenario();
  std::string svg = RenderSvgPlot(run.instants, run.alarms);
  Element root;
  std::string error;
  ASSERT_TRUE(XmlReader(svg).Parse(&root, &error)) << error << "\n" << svg;
  EXPECT_EQ(root.tag, "svg");
  EXPECT_EQ(root.attributes["xmlns"], "http://www.w3.org/2000/svg");
  std::vector<const Element*> panels = Panels(root);
  ASSERT_EQ(panels.size(), 2u);
  // Name order; special characters survive escaping.
  EXPECT_EQ(panels[0]->attributes.at("data-alarm"),
            "cpu &lt;low&gt; &amp; &quot;quoted&quot;");
  EXPECT_EQ(panels[1]->attributes.at("data-alarm"), "cpu-high");
  // Self-contained: no scripts, no external references.
  EXPECT_FALSE(absl::StrContains(svg, "<script"));
  EXPECT_FALSE(absl::StrContains(svg, "href"));
}

TEST(SvgPlotTest, HasTransitionsPlusOneBandsAndOneMarkerPerAction) {
  ReplayRun run = ReplayScenario();
  Element root;
  std::string error;
  ASSERT_TRUE(
      XmlReader(RenderSvgPlot(run.instants, run.alarms)).Parse(&root, &error))
      << error;
  std::vector<const Element*> panels = Panels(root);
  ASSERT_EQ(panels.size(), run.alarms.size());
  for (size_t i = 0; i < panels.size(); ++i) {
    const AlarmTrace& trace = run.alarms[i];
    SCOPED_TRACE(trace.spec.alarm_name);
    EXPECT_EQ(CountClass(*panels[i], "band"),
              static_cast<int>(trace.transitions.size()) + 1);
    EXPECT_EQ(CountClass(*panels[i], "action"),
              static_cast<int>(trace.actions.size()));
    EXPECT_EQ(CountClass(*panels[i], "threshold"), 1);
    int with_value = 0;
    for (const BucketValue& b : trace.buckets)
      with_value += b.value.has_value();
    ASSERT_LE(with_value, 1500);  // Markers are drawn up to 1500 values.
    EXPECT_EQ(CountClass(*panels[i], "datapoint"), with_value);
  }
  // The scenario exercises the picture: cpu-high goes to ALARM twice.
  const AlarmTrace* high = run.Find("cpu-high");
  ASSERT_NE(high, nullptr);
  EXPECT_GE(high->transitions.size(), 4u);
  EXPECT_GE(high->actions.size(), 3u);
}

TEST(SvgPlotTest, SameRunGivesSameBytes) {
  ReplayRun a = ReplayScenario();
  ReplayRun b = ReplayScenario();
  EXPECT_EQ(RenderSvgPlot(a.instants, a.alarms),
            RenderSvgPlot(b.instants, b.alarms));
}

TEST(SvgPlotTest, BucketValuesAreTheNewestBucketsStatistic) {
  ReplayRun run = ReplayScenario();
  const AlarmTrace* high = run.Find("cpu-high");
  ASSERT_NE(high, nullptr);
  // At 12:06 the newest bucket is [12:05, 12:06): the first 90.
  for (const BucketValue& b : high->buckets) {
    if (b.evaluated_at == absl::FromUnixSeconds(1710590400 + 6 * 60)) {
      EXPECT_EQ(b.bucket_start, absl::FromUnixSeconds(1710590400 + 5 * 60));
      ASSERT_TRUE(b.value.has_value());
      EXPECT_EQ(*b.value, 90);
    }
    if (b.evaluated_at == absl::FromUnixSeconds(1710590400 + 11 * 60)) {
      EXPECT_FALSE(b.value.has_value());  // [12:10, 12:11) is `_`.
    }
  }
}

TEST(SvgPlotTest, LongReplaysDrawOnlyTheLine) {
  absl::StatusOr<std::vector<AlarmSpec>> alarms = ParseAlarmsJson(kAlarms, "a");
  ASSERT_TRUE(alarms.ok());
  ReplayOptions options;
  options.series = {"AWS/EC2 CPUUtilization{InstanceId=i-1} 10+0.01x1600"};
  absl::StatusOr<ReplayRun> run = ReplayData(
      options, *alarms, *LoadReplayData(options), /*record_buckets=*/true);
  ASSERT_TRUE(run.ok()) << run.status();
  Element root;
  std::string error;
  ASSERT_TRUE(
      XmlReader(RenderSvgPlot(run->instants, run->alarms)).Parse(&root, &error))
      << error;
  EXPECT_EQ(CountClass(root, "datapoint"), 0);
  EXPECT_EQ(CountClass(root, "series"), 2);  // One unbroken line per panel.
}

TEST(SvgPlotTest, RunReplayWritesThePlotFileWithSeriesInput) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = absl::StrCat(
      dir != nullptr ? std::string(dir) : ::testing::TempDir(), "/plot.svg");
  ReplayOptions options;
  options.alarms_path = "examples/cpu_alarm.json";
  options.series = {
      "AWS/EC2 CPUUtilization{InstanceId=i-0123456789abcdef0} 10+5x12 _x3 "
      "90x10"};
  options.plot_path = path;
  options.format = ReplayOptions::Format::kText;
  std::string out;
  ASSERT_TRUE(RunReplay(options, &out).ok());
  EXPECT_THAT(out, ::testing::HasSubstr("OK -> ALARM"));
  std::ifstream in(path);
  std::stringstream svg;
  svg << in.rdbuf();
  Element root;
  std::string error;
  ASSERT_TRUE(XmlReader(svg.str()).Parse(&root, &error)) << error;
  EXPECT_EQ(Panels(root).size(), 1u);
}

}  // namespace
}  // namespace cwalarm
