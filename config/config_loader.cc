// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "config/config_loader.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "alarm/threshold.h"
#include "config/alarm_config.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "metrics/metric_id.h"
#include "metrics/statistic.h"
#include "metrics/unit.h"
#include "nlohmann/json.hpp"

namespace cwalarm {
namespace {

using json = nlohmann::json;

// Unix seconds of 0000-01-01 and 9999-12-31T23:59:59Z: anything outside is a
// typo, and keeping instants finite keeps absl::Time arithmetic exact.
constexpr int64_t kMinUnixSeconds = -62167219200;
constexpr int64_t kMaxUnixSeconds = 253402300799;

absl::Status Problems(const std::vector<std::string>& lines) {
  return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
}

// ---------------------------------------------------------------------------
// JSON helpers
// ---------------------------------------------------------------------------

// A JSON value as it appeared, shortened so a message stays one line.
std::string Shown(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() > 64) s = absl::StrCat(s.substr(0, 61), "...");
  return s;
}

// Collects `source: path: message` lines.
class JsonErrors {
 public:
  explicit JsonErrors(absl::string_view source) : source_(source) {}

  void Add(absl::string_view path, absl::string_view message) {
    lines_.push_back(absl::StrCat(source_, ": ", path, ": ", message));
  }
  void AddRaw(std::string line) { lines_.push_back(std::move(line)); }
  size_t count() const { return lines_.size(); }
  const std::vector<std::string>& lines() const { return lines_; }
  absl::string_view source() const { return source_; }

 private:
  std::string source_;
  std::vector<std::string> lines_;
};

// A SAX consumer that accepts everything and keeps the parser's message, so
// a syntax error is reported with nlohmann's line and column and without
// exceptions.
class SyntaxErrorCatcher : public nlohmann::json_sax<json> {
 public:
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    // what() is "[json.exception.parse_error.101] parse error at line 3, ...".
    absl::string_view what = ex.what();
    size_t bracket = what.find("] ");
    if (bracket != absl::string_view::npos) what.remove_prefix(bracket + 2);
    message_ = std::string(what);
    return false;
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

// Parses `text`, or records the syntax error and returns nullopt.
std::optional<json> ParseJson(absl::string_view text, JsonErrors& errors) {
  json doc = json::parse(text.begin(), text.end(), nullptr,
                         /*allow_exceptions=*/false);
  if (!doc.is_discarded()) return doc;
  SyntaxErrorCatcher catcher;
  json::sax_parse(text.begin(), text.end(), &catcher);
  errors.AddRaw(absl::StrCat(
      errors.source(), ": invalid JSON: ",
      catcher.message().empty() ? "syntax error" : catcher.message()));
  return std::nullopt;
}

bool GetString(const json& v, absl::string_view path, JsonErrors& errors,
               std::string* out) {
  if (!v.is_string()) {
    errors.Add(path, absl::StrCat("expected a string, got ", Shown(v)));
    return false;
  }
  *out = v.get<std::string>();
  return true;
}

bool GetInt(const json& v, absl::string_view path, JsonErrors& errors,
            int* out) {
  bool in_range = false;
  if (v.is_number_unsigned()) {
    in_range = v.get<uint64_t>() <= static_cast<uint64_t>(INT32_MAX);
  } else if (v.is_number_integer()) {
    int64_t i = v.get<int64_t>();
    in_range = i >= INT32_MIN && i <= INT32_MAX;
  } else {
    errors.Add(path, absl::StrCat("expected an integer, got ", Shown(v)));
    return false;
  }
  if (!in_range) {
    errors.Add(path, absl::StrCat("integer ", Shown(v),
                                  " is out of range (32-bit signed)"));
    return false;
  }
  *out = static_cast<int>(v.get<int64_t>());
  return true;
}

bool GetDouble(const json& v, absl::string_view path, JsonErrors& errors,
               double* out) {
  if (!v.is_number()) {
    errors.Add(path, absl::StrCat("expected a number, got ", Shown(v)));
    return false;
  }
  *out = v.get<double>();
  return true;
}

bool GetBool(const json& v, absl::string_view path, JsonErrors& errors,
             bool* out) {
  if (!v.is_boolean()) {
    errors.Add(path, absl::StrCat("expected true or false, got ", Shown(v)));
    return false;
  }
  *out = v.get<bool>();
  return true;
}

bool GetStringList(const json& v, absl::string_view path, JsonErrors& errors,
                   std::vector<std::string>* out) {
  if (!v.is_array()) {
    errors.Add(path, absl::StrCat("expected an array of strings, got ", Shown(v)));
    return false;
  }
  bool ok = true;
  out->clear();
  for (size_t i = 0; i < v.size(); ++i) {
    std::string s;
    if (GetString(v[i], absl::StrCat(path, "[", i, "]"), errors, &s)) {
      out->push_back(std::move(s));
    } else {
      ok = false;
    }
  }
  return ok;
}

bool ExpectObject(const json& v, absl::string_view path, JsonErrors& errors) {
  if (v.is_object()) return true;
  errors.Add(path, absl::StrCat("expected a JSON object, got ", Shown(v)));
  return false;
}

// Reads `[{NameKey: ..., ValueKey: ...}, ...]` into pairs.
bool GetPairs(const json& v, absl::string_view path, const char* name_key,
              const char* value_key, JsonErrors& errors,
              std::vector<std::pair<std::string, std::string>>* out) {
  if (!v.is_array()) {
    errors.Add(path, absl::StrCat("expected an array of {", name_key, ", ",
                                  value_key, "} objects, got ", Shown(v)));
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    std::string item_path = absl::StrCat(path, "[", i, "]");
    if (!ExpectObject(v[i], item_path, errors)) {
      ok = false;
      continue;
    }
    std::optional<std::string> name, value;
    for (auto it = v[i].begin(); it != v[i].end(); ++it) {
      std::string key_path = absl::StrCat(item_path, ".", it.key());
      std::string s;
      if (it.key() == name_key) {
        if (GetString(it.value(), key_path, errors, &s)) name = s; else ok = false;
      } else if (it.key() == value_key) {
        if (GetString(it.value(), key_path, errors, &s)) value = s; else ok = false;
      } else {
        errors.Add(key_path, absl::StrCat("unknown key (expected ", name_key,
                                          " and ", value_key, ")"));
        ok = false;
      }
    }
    if (!name.has_value()) {
      errors.Add(item_path, absl::StrCat("missing required key ", name_key));
      ok = false;
    }
    // A tag value may be empty, but the key itself must be present.
    if (!value.has_value()) {
      errors.Add(item_path, absl::StrCat("missing required key ", value_key));
      ok = false;
    }
    if (name.has_value() && value.has_value()) out->emplace_back(*name, *value);
  }
  return ok;
}

// `MetricStat.Metric`: {Namespace, MetricName, Dimensions}.
// Reads `key` into `out` when it is one of a metric's identity keys
// (Namespace, MetricName, Dimensions) and returns true; false for any other
// key. `*ok` becomes false when the value is malformed.
bool TakeMetricIdKey(const std::string& key, const json& v, const std::string& p,
                     JsonErrors& errors, MetricId* out, bool* ok) {
  if (key == "Namespace") {
    *ok &= GetString(v, p, errors, &out->metric_namespace);
  } else if (key == "MetricName") {
    *ok &= GetString(v, p, errors, &out->metric_name);
  } else if (key == "Dimensions") {
    std::vector<std::pair<std::string, std::string>> pairs;
    *ok &= GetPairs(v, p, "Name", "Value", errors, &pairs);
    for (auto& [name, value] : pairs) {
      out->dimensions.push_back({std::move(name), std::move(value)});
    }
  } else {
    return false;
  }
  return true;
}

bool GetMetric(const json& v, const std::string& path, JsonErrors& errors,
               MetricId* out) {
  if (!ExpectObject(v, path, errors)) return false;
  bool ok = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string p = absl::StrCat(path, ".", it.key());
    if (it.value().is_null()) continue;
    if (TakeMetricIdKey(it.key(), it.value(), p, errors, out, &ok)) {
      continue;
    } else {
      errors.Add(p, "unknown key (expected Namespace, MetricName, Dimensions)");
      ok = false;
    }
  }
  return ok;
}

// `MetricStat`: {Metric, Period, Stat, Unit}.
bool GetMetricStat(const json& v, const std::string& path, JsonErrors& errors,
                   MetricStat* out) {
  if (!ExpectObject(v, path, errors)) return false;
  bool ok = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string p = absl::StrCat(path, ".", it.key());
    if (it.value().is_null()) continue;
    int i = 0;
    std::string s;
    if (it.key() == "Metric") {
      ok &= GetMetric(it.value(), p, errors, &out->metric);
    } else if (it.key() == "Period") {
      if (GetInt(it.value(), p, errors, &i)) out->period = absl::Seconds(i);
      else ok = false;
    } else if (it.key() == "Stat") {
      ok &= GetString(it.value(), p, errors, &out->stat);
    } else if (it.key() == "Unit") {
      if (GetString(it.value(), p, errors, &s)) {
        absl::StatusOr<Unit> u = ParseUnit(s);
        if (u.ok()) {
          out->unit = *u;
        } else {
          errors.Add(p, u.status().message());
          ok = false;
        }
      } else {
        ok = false;
      }
    } else {
      errors.Add(p, "unknown key (expected Metric, Period, Stat, Unit)");
      ok = false;
    }
  }
  return ok;
}

// `Metrics`: a list of MetricDataQuery objects (spec 1.7).
bool GetMetricsList(const json& v, const std::string& path, JsonErrors& errors,
                    std::vector<MetricDataQuery>* out) {
  if (!v.is_array()) {
    errors.Add(path, absl::StrCat("expected an array of MetricDataQuery "
                                  "objects, got ", Shown(v)));
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string item_path = absl::StrCat(path, "[", i, "]");
    if (!ExpectObject(v[i], item_path, errors)) {
      ok = false;
      continue;
    }
    MetricDataQuery q;
    for (auto it = v[i].begin(); it != v[i].end(); ++it) {
      const std::string p = absl::StrCat(item_path, ".", it.key());
      if (it.value().is_null()) continue;
      std::string s;
      int n = 0;
      bool b = false;
      if (it.key() == "Id") {
        ok &= GetString(it.value(), p, errors, &q.id);
      } else if (it.key() == "MetricStat") {
        MetricStat ms;
        if (GetMetricStat(it.value(), p, errors, &ms)) {
          q.metric_stat = std::move(ms);
        } else {
          ok = false;
        }
      } else if (it.key() == "Expression") {
        if (GetString(it.value(), p, errors, &s)) q.expression = s; else ok = false;
      } else if (it.key() == "Label") {
        if (GetString(it.value(), p, errors, &s)) q.label = s; else ok = false;
      } else if (it.key() == "ReturnData") {
        if (GetBool(it.value(), p, errors, &b)) q.return_data = b; else ok = false;
      } else if (it.key() == "Period") {
        if (GetInt(it.value(), p, errors, &n)) q.period = absl::Seconds(n);
        else ok = false;
      } else if (it.key() == "AccountId") {
        if (GetString(it.value(), p, errors, &s)) q.account_id = s; else ok = false;
      } else {
        errors.Add(p, "unknown key (not a MetricDataQuery field)");
        ok = false;
      }
    }
    out->push_back(std::move(q));
  }
  return ok;
}

// ---------------------------------------------------------------------------
// Alarms from JSON
// ---------------------------------------------------------------------------

// Keys DescribeAlarms prints that PutMetricAlarm does not take.
bool IsReadOnlyAlarmKey(absl::string_view key) {
  static constexpr absl::string_view kReadOnly[] = {
      "AlarmArn",
      "AlarmConfigurationUpdatedTimestamp",
      "StateValue",
      "StateReason",
      "StateReasonData",
      "StateUpdatedTimestamp",
      "StateTransitionedTimestamp",
      "EvaluationState",
  };
  for (absl::string_view k : kReadOnly) {
    if (k == key) return true;
  }
  return false;
}

// Converts one alarm object; returns nullopt after recording its problems.
std::optional<AlarmSpec> AlarmFromJson(const json& obj, const std::string& path,
                                       JsonErrors& errors) {
  if (!ExpectObject(obj, path, errors)) return std::nullopt;
  const size_t errors_before = errors.count();
  AlarmSpec spec;
  bool has_operator = false;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (v.is_null()) continue;  // JSON null is an absent key.
    const std::string p = absl::StrCat(path, ".", key);
    std::string s;
    int i = 0;
    double d = 0;
    if (key == "AlarmName") {
      GetString(v, p, errors, &spec.alarm_name);
    } else if (key == "AlarmDescription") {
      if (GetString(v, p, errors, &s)) spec.alarm_description = s;
    } else if (key == "ActionsEnabled") {
      GetBool(v, p, errors, &spec.actions_enabled);
    } else if (key == "OKActions") {
      GetStringList(v, p, errors, &spec.ok_actions);
    } else if (key == "AlarmActions") {
      GetStringList(v, p, errors, &spec.alarm_actions);
    } else if (key == "InsufficientDataActions") {
      GetStringList(v, p, errors, &spec.insufficient_data_actions);
    } else if (key == "MetricName") {
      GetString(v, p, errors, &spec.metric.metric_name);
    } else if (key == "Namespace") {
      GetString(v, p, errors, &spec.metric.metric_namespace);
    } else if (key == "Dimensions") {
      std::vector<std::pair<std::string, std::string>> pairs;
      GetPairs(v, p, "Name", "Value", errors, &pairs);
      for (auto& [name, value] : pairs) {
        spec.metric.dimensions.push_back({std::move(name), std::move(value)});
      }
    } else if (key == "Statistic") {
      if (GetString(v, p, errors, &s)) {
        absl::StatusOr<Statistic> st = ParseStatistic(s);
        if (st.ok()) spec.statistic = *st; else errors.Add(p, st.status().message());
      }
    } else if (key == "ExtendedStatistic") {
      if (GetString(v, p, errors, &s)) spec.extended_statistic = s;
    } else if (key == "Period") {
      if (GetInt(v, p, errors, &i)) spec.period = absl::Seconds(i);
    } else if (key == "Unit") {
      if (GetString(v, p, errors, &s)) {
        absl::StatusOr<Unit> u = ParseUnit(s);
        if (u.ok()) spec.unit = *u; else errors.Add(p, u.status().message());
      }
    } else if (key == "EvaluationPeriods") {
      GetInt(v, p, errors, &spec.evaluation_periods);
    } else if (key == "DatapointsToAlarm") {
      if (GetInt(v, p, errors, &i)) spec.datapoints_to_alarm = i;
    } else if (key == "Threshold") {
      if (GetDouble(v, p, errors, &d)) spec.threshold = d;
    } else if (key == "ComparisonOperator") {
      if (GetString(v, p, errors, &s)) {
        absl::StatusOr<ComparisonOperator> op = ParseComparisonOperator(s);
        if (op.ok()) {
          spec.comparison_operator = *op;
          has_operator = true;
        } else {
          errors.Add(p, op.status().message());
        }
      }
    } else if (key == "TreatMissingData") {
      if (GetString(v, p, errors, &s)) {
        absl::StatusOr<TreatMissingData> t = ParseTreatMissingData(s);
        if (t.ok()) spec.treat_missing_data = *t; else errors.Add(p, t.status().message());
      }
    } else if (key == "EvaluateLowSampleCountPercentile") {
      if (GetString(v, p, errors, &s)) spec.evaluate_low_sample_count_percentile = s;
    } else if (key == "EvaluationRange") {
      if (GetInt(v, p, errors, &i)) spec.evaluation_range = i;
    } else if (key == "Tags") {
      std::vector<std::pair<std::string, std::string>> pairs;
      GetPairs(v, p, "Key", "Value", errors, &pairs);
      for (auto& [k, value] : pairs) spec.tags.push_back({std::move(k), std::move(value)});
    } else if (key == "Metrics") {
      GetMetricsList(v, p, errors, &spec.metrics);
    } else if (key == "ThresholdMetricId") {
      if (GetString(v, p, errors, &s)) spec.threshold_metric_id = s;
    } else if (key == "EvaluationWindow" || key == "EvaluationCriteria" ||
               key == "EvaluationInterval") {
      errors.Add(p, "only metric alarms with a sliding window are supported "
                    "(wall-clock windows and PromQL alarms are not)");
    } else if (!IsReadOnlyAlarmKey(key)) {
      errors.Add(p, "unknown key (not a PutMetricAlarm field)");
    }
  }
  if (errors.count() != errors_before) return std::nullopt;
  if (!has_operator) {
    errors.Add(path, absl::StrCat("alarm \"", spec.alarm_name,
                                  "\": ComparisonOperator must not be null"));
    return std::nullopt;
  }
  absl::Status valid = spec.Validate();
  if (!valid.ok()) {
    errors.Add(path, valid.message());
    return std::nullopt;
  }
  return spec;
}

// ---------------------------------------------------------------------------
// Alarms from text proto
// ---------------------------------------------------------------------------

namespace pb = ::google::protobuf;

class TextErrors : public pb::io::ErrorCollector {
 public:
  explicit TextErrors(absl::string_view source) : source_(source) {}

  void AddError(int line, pb::io::ColumnNumber column,
                const std::string& message) override {
    lines_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ",
                                  message));
  }
  std::vector<std::string>& lines() { return lines_; }

 private:
  std::string source_;
  std::vector<std::string> lines_;
};

// Where a field of one alarm is, as `line:column` (1-based), falling back to
// the alarm itself when the field was not written.
class AlarmLocator {
 public:
  AlarmLocator(absl::string_view source, const pb::TextFormat::ParseInfoTree& root,
               int index)
      : source_(source), index_(index) {
    const pb::FieldDescriptor* alarms =
        config::AlarmConfigFile::descriptor()->FindFieldByName("alarms");
    alarm_location_ = root.GetLocation(alarms, index);
    tree_ = root.GetTreeForNested(alarms, index);
  }

  // `source:line:col: alarms[i].field: ` for `field`, or
  // `source:line:col: alarms[i]: ` when `field` is empty.
  std::string Prefix(absl::string_view field) const {
    pb::TextFormat::ParseLocation loc = alarm_location_;
    if (!field.empty() && tree_ != nullptr) {
      const pb::FieldDescriptor* fd =
          config::MetricAlarmConfig::descriptor()->FindFieldByName(
              std::string(field));
      if (fd != nullptr) {
        pb::TextFormat::ParseLocation f =
            tree_->GetLocation(fd, fd->is_repeated() ? 0 : -1);
        if (f.line >= 0) loc = f;
      }
    }
    std::string where =
        loc.line >= 0 ? absl::StrCat(source_, ":", loc.line + 1, ":", loc.column + 1)
                      : std::string(source_);
    return field.empty()
               ? absl::StrCat(where, ": alarms[", index_, "]: ")
               : absl::StrCat(where, ": alarms[", index_, "].", field, ": ");
  }

 private:
  std::string source_;
  int index_;
  pb::TextFormat::ParseLocation alarm_location_;
  const pb::TextFormat::ParseInfoTree* tree_ = nullptr;
};

std::optional<Statistic> FromProto(config::Statistic s) {
  switch (s) {
    case config::SAMPLE_COUNT: return Statistic::kSampleCount;
    case config::AVERAGE: return Statistic::kAverage;
    case config::SUM: return Statistic::kSum;
    case config::MINIMUM: return Statistic::kMinimum;
    case config::MAXIMUM: return Statistic::kMaximum;
    default: return std::nullopt;
  }
}

std::optional<ComparisonOperator> FromProto(config::ComparisonOperator op) {
  switch (op) {
    case config::GREATER_THAN_OR_EQUAL_TO_THRESHOLD:
      return ComparisonOperator::kGreaterThanOrEqualToThreshold;
    case config::GREATER_THAN_THRESHOLD:
      return ComparisonOperator::kGreaterThanThreshold;
    case config::LESS_THAN_THRESHOLD:
      return ComparisonOperator::kLessThanThreshold;
    case config::LESS_THAN_OR_EQUAL_TO_THRESHOLD:
      return ComparisonOperator::kLessThanOrEqualToThreshold;
    case config::LESS_THAN_LOWER_OR_GREATER_THAN_UPPER_THRESHOLD:
      return ComparisonOperator::kLessThanLowerOrGreaterThanUpperThreshold;
    case config::LESS_THAN_LOWER_THRESHOLD:
      return ComparisonOperator::kLessThanLowerThreshold;
    case config::GREATER_THAN_UPPER_THRESHOLD:
      return ComparisonOperator::kGreaterThanUpperThreshold;
    default:
      return std::nullopt;
  }
}

std::optional<TreatMissingData> FromProto(config::TreatMissingData t) {
  switch (t) {
    case config::BREACHING: return TreatMissingData::kBreaching;
    case config::NOT_BREACHING: return TreatMissingData::kNotBreaching;
    case config::IGNORE: return TreatMissingData::kIgnore;
    case config::MISSING: return TreatMissingData::kMissing;
    default: return std::nullopt;
  }
}

std::optional<AlarmSpec> AlarmFromProto(const config::MetricAlarmConfig& c,
                                        const AlarmLocator& at,
                                        std::vector<std::string>& errors) {
  const size_t errors_before = errors.size();
  AlarmSpec spec;
  spec.alarm_name = c.alarm_name();
  if (c.has_alarm_description()) spec.alarm_description = c.alarm_description();
  if (c.has_actions_enabled()) spec.actions_enabled = c.actions_enabled();
  spec.ok_actions.assign(c.ok_actions().begin(), c.ok_actions().end());
  spec.alarm_actions.assign(c.alarm_actions().begin(), c.alarm_actions().end());
  spec.insufficient_data_actions.assign(c.insufficient_data_actions().begin(),
                                        c.insufficient_data_actions().end());
  spec.metric.metric_namespace = c.metric().namespace_();
  spec.metric.metric_name = c.metric().metric_name();
  for (const config::Dimension& dim : c.metric().dimensions()) {
    spec.metric.dimensions.push_back({dim.name(), dim.value()});
  }
  spec.statistic = FromProto(c.statistic());
  if (!c.extended_statistic().empty()) {
    spec.extended_statistic = c.extended_statistic();
  }
  if (c.has_period()) {
    if (c.period().nanos() != 0) {
      errors.push_back(absl::StrCat(at.Prefix("period"), "seconds ",
                                    c.period().seconds(), " nanos ",
                                    c.period().nanos(),
                                    ": must be a whole number of seconds"));
    } else {
      spec.period = absl::Seconds(c.period().seconds());
    }
  }
  if (!c.unit().empty()) {
    absl::StatusOr<Unit> u = ParseUnit(c.unit());
    if (u.ok()) {
      spec.unit = *u;
    } else {
      errors.push_back(absl::StrCat(at.Prefix("unit"), u.status().message()));
    }
  }
  spec.evaluation_periods = c.evaluation_periods();
  if (c.has_datapoints_to_alarm()) spec.datapoints_to_alarm = c.datapoints_to_alarm();
  if (c.has_threshold()) spec.threshold = c.threshold();
  std::optional<ComparisonOperator> op = FromProto(c.comparison_operator());
  if (op.has_value()) {
    spec.comparison_operator = *op;
  } else {
    errors.push_back(absl::StrCat(at.Prefix(""), "alarm \"", c.alarm_name(),
                                  "\": comparison_operator is required"));
  }
  spec.treat_missing_data = FromProto(c.treat_missing_data());
  if (!c.evaluate_low_sample_count_percentile().empty()) {
    spec.evaluate_low_sample_count_percentile =
        c.evaluate_low_sample_count_percentile();
  }
  if (c.has_evaluation_range()) spec.evaluation_range = c.evaluation_range();
  for (const config::Tag& tag : c.tags()) spec.tags.push_back({tag.key(), tag.value()});
  auto whole_seconds = [&](const google::protobuf::Duration& d,
                           const std::string& field,
                           absl::Duration* out) {
    if (d.nanos() != 0) {
      errors.push_back(absl::StrCat(at.Prefix("metrics"), field, ": seconds ",
                                    d.seconds(), " nanos ", d.nanos(),
                                    ": must be a whole number of seconds"));
      return;
    }
    *out = absl::Seconds(d.seconds());
  };
  for (int i = 0; i < c.metrics_size(); ++i) {
    const config::MetricDataQuery& m = c.metrics(i);
    const std::string field = absl::StrCat("metrics[", i, "]");
    MetricDataQuery q;
    q.id = m.id();
    if (m.has_metric_stat()) {
      MetricStat ms;
      ms.metric.metric_namespace = m.metric_stat().metric().namespace_();
      ms.metric.metric_name = m.metric_stat().metric().metric_name();
      for (const config::Dimension& dim : m.metric_stat().metric().dimensions()) {
        ms.metric.dimensions.push_back({dim.name(), dim.value()});
      }
      whole_seconds(m.metric_stat().period(), field + ".metric_stat.period",
                    &ms.period);
      ms.stat = m.metric_stat().stat();
      if (!m.metric_stat().unit().empty()) {
        absl::StatusOr<Unit> u = ParseUnit(m.metric_stat().unit());
        if (u.ok()) {
          ms.unit = *u;
        } else {
          errors.push_back(absl::StrCat(at.Prefix("metrics"), field,
                                        ".metric_stat.unit: ",
                                        u.status().message()));
        }
      }
      q.metric_stat = std::move(ms);
    }
    if (m.has_expression()) q.expression = m.expression();
    if (m.has_label()) q.label = m.label();
    if (m.has_return_data()) q.return_data = m.return_data();
    if (m.has_period()) {
      absl::Duration period;
      whole_seconds(m.period(), field + ".period", &period);
      q.period = period;
    }
    spec.metrics.push_back(std::move(q));
  }
  if (c.has_threshold_metric_id()) spec.threshold_metric_id = c.threshold_metric_id();

  if (errors.size() != errors_before) return std::nullopt;
  absl::Status valid = spec.Validate();
  if (!valid.ok()) {
    errors.push_back(absl::StrCat(at.Prefix(""), valid.message()));
    return std::nullopt;
  }
  return spec;
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

absl::StatusOr<std::FILE*> OpenFile(absl::string_view path) {
  std::string p(path);
  std::FILE* f = std::fopen(p.c_str(), "rb");
  if (f == nullptr) {
    int err = errno;
    std::string message = absl::StrCat(p, ": cannot open: ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(message);
    if (err == EACCES) return absl::PermissionDeniedError(message);
    return absl::UnknownError(message);
  }
  return f;
}

absl::StatusOr<std::string> ReadFile(absl::string_view path) {
  std::string p(path);
  absl::StatusOr<std::FILE*> opened = OpenFile(path);
  if (!opened.ok()) return opened.status();
  std::FILE* f = *opened;
  std::string contents;
  char buffer[1 << 16];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) {
    contents.append(buffer, n);
  }
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return absl::UnknownError(absl::StrCat(p, ": read error"));
  return contents;
}

bool HasExtension(absl::string_view path, absl::string_view extension) {
  return absl::EndsWithIgnoreCase(path, extension);
}

// ---------------------------------------------------------------------------
// Metric data
// ---------------------------------------------------------------------------

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Unix seconds written `[-]digits[.digits]`, converted exactly (no double).
std::optional<absl::Time> ParseUnixSeconds(absl::string_view text) {
  bool negative = absl::ConsumePrefix(&text, "-");
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('.', 1));
  absl::string_view whole = parts.first;
  absl::string_view fraction = parts.second;
  if (!AllDigits(whole)) return std::nullopt;
  if (text.find('.') != absl::string_view::npos && !AllDigits(fraction)) {
    return std::nullopt;
  }
  if (whole.size() > 12) return std::nullopt;
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(whole, &seconds)) return std::nullopt;
  int64_t nanos = 0;
  for (size_t i = 0; i < 9; ++i) {
    nanos = nanos * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  const int64_t signed_seconds = negative ? -seconds : seconds;
  if (signed_seconds > kMaxUnixSeconds || signed_seconds < kMinUnixSeconds) {
    return std::nullopt;
  }
  absl::Duration since_epoch = absl::Seconds(seconds) + absl::Nanoseconds(nanos);
  return absl::UnixEpoch() + (negative ? -since_epoch : since_epoch);
}

// The instant of a JSON `Timestamp` / `ReceivedAt`: a string or a number.
bool GetTime(const json& v, absl::string_view path, JsonErrors& errors,
             absl::Time* out) {
  std::string text;
  if (v.is_string()) {
    text = v.get<std::string>();
  } else if (v.is_number()) {
    // dump() prints doubles with round-trip precision, so fractional
    // seconds keep their decimal digits.
    text = v.dump();
  } else {
    errors.Add(path, absl::StrCat("expected an ISO 8601 string or Unix "
                                  "seconds, got ",
                                  Shown(v)));
    return false;
  }
  absl::StatusOr<absl::Time> t = ParseTimestamp(text);
  if (!t.ok()) {
    errors.Add(path, t.status().message());
    return false;
  }
  *out = *t;
  return true;
}

// Converts one MetricData entry; records problems and returns false on any.
bool DatumFromJson(const json& obj, const std::string& path,
                   const std::string& metric_namespace, bool namespace_known,
                   JsonErrors& errors, std::vector<TimedDatum>* out) {
  if (!ExpectObject(obj, path, errors)) return false;
  const size_t errors_before = errors.count();
  TimedDatum timed;
  MetricDatum& d = timed.datum;
  d.metric.metric_namespace = metric_namespace;
  bool has_timestamp = false;
  std::optional<absl::Time> received_at;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (v.is_null()) continue;
    const std::string p = absl::StrCat(path, ".", key);
    std::string s;
    double x = 0;
    absl::Time t;
    if (key == "MetricName") {
      GetString(v, p, errors, &d.metric.metric_name);
    } else if (key == "Dimensions") {
      std::vector<std::pair<std::string, std::string>> pairs;
      GetPairs(v, p, "Name", "Value", errors, &pairs);
      for (auto& [name, value] : pairs) {
        d.metric.dimensions.push_back({std::move(name), std::move(value)});
      }
    } else if (key == "Timestamp") {
      if (GetTime(v, p, errors, &t)) {
        d.timestamp = t;
        has_timestamp = true;
      }
    } else if (key == "ReceivedAt") {
      if (GetTime(v, p, errors, &t)) received_at = t;
    } else if (key == "Value") {
      if (GetDouble(v, p, errors, &x)) d.value = x;
    } else if (key == "Values" || key == "Counts") {
      std::vector<double>& list = key == "Values" ? d.values : d.counts;
      if (!v.is_array()) {
        errors.Add(p, absl::StrCat("expected an array of numbers, got ", Shown(v)));
        continue;
      }
      for (size_t i = 0; i < v.size(); ++i) {
        if (GetDouble(v[i], absl::StrCat(p, "[", i, "]"), errors, &x)) {
          list.push_back(x);
        }
      }
    } else if (key == "StatisticValues") {
      if (!ExpectObject(v, p, errors)) continue;
      std::optional<double> fields[4];
      static constexpr const char* kNames[4] = {"SampleCount", "Sum", "Minimum",
                                                "Maximum"};
      for (auto f = v.begin(); f != v.end(); ++f) {
        const std::string fp = absl::StrCat(p, ".", f.key());
        int which = -1;
        for (int k = 0; k < 4; ++k) {
          if (f.key() == kNames[k]) which = k;
        }
        if (which < 0) {
          errors.Add(fp, "unknown key (expected SampleCount, Sum, Minimum, Maximum)");
        } else if (GetDouble(f.value(), fp, errors, &x)) {
          fields[which] = x;
        }
      }
      bool complete = true;
      for (int k = 0; k < 4; ++k) {
        if (!fields[k].has_value()) {
          errors.Add(p, absl::StrCat("missing required key ", kNames[k]));
          complete = false;
        }
      }
      if (complete) {
        d.statistic_values =
            StatisticSet{*fields[0], *fields[1], *fields[2], *fields[3]};
      }
    } else if (key == "Unit") {
      if (GetString(v, p, errors, &s)) {
        absl::StatusOr<Unit> u = ParseUnit(s);
        if (u.ok()) d.unit = *u; else errors.Add(p, u.status().message());
      }
    } else if (key == "StorageResolution") {
      GetInt(v, p, errors, &d.storage_resolution);
    } else {
      errors.Add(p, "unknown key (not a PutMetricData MetricDatum field)");
    }
  }
  if (!has_timestamp && errors.count() == errors_before) {
    // Replays have no "now" to stand in for a missing timestamp.
    errors.Add(path, "Timestamp is required");
  }
  if (errors.count() != errors_before) return false;
  timed.received_at = received_at.value_or(d.timestamp);
  timed.place = absl::StrCat(errors.source(), ": ", path);
  if (namespace_known) {
    // PutMetricData's window (two weeks back, two hours ahead) applies
    // relative to the arrival instant; an out-of-window datum is an input
    // error like any other (docs/statistics.md, "Ingestion").
    absl::Status valid = ValidateMetricDatum(d, timed.place, timed.received_at);
    if (!valid.ok()) {
      errors.AddRaw(std::string(valid.message()));
      return false;
    }
  }
  out->push_back(std::move(timed));
  return true;
}

void DocumentFromJson(const json& doc, const std::string& path,
                      JsonErrors& errors, std::vector<TimedDatum>* out) {
  if (!ExpectObject(doc, path, errors)) return;
  std::string metric_namespace;
  bool namespace_ok = false;
  const json* data = nullptr;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string p = absl::StrCat(path, ".", it.key());
    if (it.value().is_null()) continue;
    if (it.key() == "Namespace") {
      namespace_ok = GetString(it.value(), p, errors, &metric_namespace);
    } else if (it.key() == "MetricData") {
      if (it.value().is_array()) {
        data = &it.value();
      } else {
        errors.Add(p, absl::StrCat("expected an array, got ", Shown(it.value())));
      }
    } else {
      errors.Add(p, "unknown key (expected Namespace and MetricData)");
    }
  }
  if (!doc.contains("Namespace")) {
    errors.Add(path, "missing required key Namespace");
  }
  if (!doc.contains("MetricData")) {
    errors.Add(path, "missing required key MetricData");
  }
  if (data == nullptr) return;
  for (size_t i = 0; i < data->size(); ++i) {
    DatumFromJson((*data)[i], absl::StrCat(path, ".MetricData[", i, "]"),
                  metric_namespace, namespace_ok, errors, out);
  }
}

// One CSV record: its fields and the 1-based line it starts on.
struct CsvRecord {
  int line = 0;
  // fields[0, field_count) are this record's; the rest are kept only so
  // their buffers are reused by the next record.
  std::vector<std::string> fields;
  size_t field_count = 0;
  std::string error;  // Non-empty when the record is malformed.
  bool blank = false;  // A blank line (skipped by CsvRecordReader::Next).

  absl::string_view field(size_t i) const { return fields[i]; }
};

// Reads RFC 4180 records one at a time from text that may arrive in pieces.
// Quoted fields may hold commas, quotes ("" inside quotes) and line breaks;
// CRLF and LF both end a record; a UTF-8 byte order mark at the start is
// skipped; blank lines are skipped.
//
// The text is either given whole (`CsvRecordReader(text)`) or read from a
// file in chunks (`CsvRecordReader(file)`): then only the unread rest of the
// current chunk and the current record are held in memory.
class CsvRecordReader {
 public:
  explicit CsvRecordReader(absl::string_view text)
      : text_(text), eof_(true) {
    SkipBom();
  }
  // Reads `file` `chunk` bytes at a time (> 0); does not take ownership.
  CsvRecordReader(std::FILE* file, size_t chunk) : file_(file), chunk_(chunk) {
    while (text_.size() < 3 && !eof_) Refill();
    SkipBom();
  }

  // Reads the next non-blank record into `*record`; false at the end of the
  // text (or after a read error: see read_error()).
  bool Next(CsvRecord* record) {
    while (true) {
      if (pos_ >= text_.size()) {
        if (eof_) return false;
        Refill();
        continue;
      }
      size_t i = pos_;
      int line = line_;
      if (!ParseRecord(&i, &line, record)) {
        // The chunk ended inside the record: read more, parse it again.
        Refill();
        continue;
      }
      pos_ = i;
      line_ = line;
      if (!record->blank) return true;
    }
  }

  bool read_error() const { return read_error_; }

 private:
  // Parses one record starting at `*i`. Returns false (leaving `*record`
  // partly filled) when the text ends before the record does and more text
  // may follow.
  bool ParseRecord(size_t* index, int* line_no, CsvRecord* record) {
    const absl::string_view text = text_;
    size_t i = *index;
    int line = *line_no;
    record->line = line;
    record->field_count = 0;
    record->error.clear();
    record->blank = false;
    bool any_quoted = false;
    while (true) {
      if (record->field_count == record->fields.size()) {
        record->fields.emplace_back();
      }
      std::string& field = record->fields[record->field_count++];
      field.clear();
      bool quoted = i < text.size() && text[i] == '"';
      if (quoted) {
        any_quoted = true;
        ++i;
        bool closed = false;
        while (i < text.size()) {
          char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field.push_back('"');
              ++i;
            } else {
              if (i >= text.size() && !eof_) return false;  // `""` split?
              closed = true;
              break;
            }
          } else {
            if (c == '\n') ++line;
            field.push_back(c);
          }
        }
        if (!closed) {
          if (!eof_) return false;
          if (record->error.empty()) {
            record->error = "unterminated quoted field";
          }
        }
        // After the closing quote only a separator may follow.
        size_t stray = i;
        while (i < text.size() && text[i] != ',' && text[i] != '\n' &&
               text[i] != '\r') {
          ++i;
        }
        if (i >= text.size() && !eof_) return false;
        if (i != stray && record->error.empty()) {
          record->error = "unexpected text after a closing quote";
        }
      } else {
        size_t start = i;
        while (i < text.size() && text[i] != ',' && text[i] != '\n' &&
               text[i] != '\r') {
          ++i;
        }
        if (i >= text.size() && !eof_) return false;
        field.assign(text.data() + start, i - start);
      }
      if (i >= text.size()) {
        break;
      } else if (text[i] == ',') {
        ++i;
      } else {
        if (text[i] == '\r') ++i;
        // A CR at the end of a chunk may be followed by its LF.
        if (i >= text.size() && !eof_) return false;
        if (i < text.size() && text[i] == '\n') ++i;
        ++line;
        break;
      }
    }
    record->blank = !any_quoted && record->field_count == 1 &&
                    absl::StripAsciiWhitespace(record->fields[0]).empty();
    *index = i;
    *line_no = line;
    return true;
  }

  // Drops the consumed text and appends the next chunk of the file.
  void Refill() {
    if (eof_) return;
    buffer_.erase(0, pos_);
    pos_ = 0;
    const size_t old_size = buffer_.size();
    buffer_.resize(old_size + chunk_);
    const size_t n = std::fread(&buffer_[old_size], 1, chunk_, file_);
    buffer_.resize(old_size + n);
    if (n == 0) {
      eof_ = true;
      read_error_ = std::ferror(file_) != 0;
    }
    text_ = buffer_;
  }

  void SkipBom() {
    if (absl::StartsWith(text_.substr(pos_), "\xEF\xBB\xBF")) pos_ += 3;
  }

  std::FILE* file_ = nullptr;
  size_t chunk_ = 0;
  std::string buffer_;     // File mode: the unread text.
  absl::string_view text_; // What is available: the text, or buffer_.
  size_t pos_ = 0;         // Start of the next record in text_.
  int line_ = 1;           // The line at pos_.
  bool eof_ = false;       // No more text will come.
  bool read_error_ = false;
};

enum CsvColumn { kTimestamp, kNamespace, kMetricName, kDimensions, kUnit, kValue,
                 kReceivedAt, kColumnCount };
constexpr absl::string_view kColumnNames[kColumnCount] = {
    "Timestamp", "Namespace", "MetricName", "Dimensions", "Unit", "Value",
    "ReceivedAt"};

// The rows of a metrics CSV (see ParseMetricsCsv) as data, one at a time:
// the header is read by ReadHeader, then NextDatum converts and validates
// each row. Shared by ParseMetricsCsv (whole text) and MetricsCsvFileReader
// (a file in chunks), so both report the same errors with the same text.
class MetricsCsvRows {
 public:
  MetricsCsvRows(CsvRecordReader* records, absl::string_view source)
      : records_(records), source_(source) {}

  // Reads and checks the header. Returns false after recording its
  // problems in errors() (an empty file is one too), or on a read error.
  bool ReadHeader() {
    if (!records_->Next(&record_)) {
      if (records_->read_error()) return false;
      errors_.push_back(absl::StrCat(
          source_, ": empty file: expected the header "
                   "Timestamp,Namespace,MetricName,Dimensions,Unit,Value"));
      return false;
    }
    const CsvRecord& header = record_;
    for (int& c : column_of_) c = -1;
    if (!header.error.empty()) errors_.push_back(At(header.line) + header.error);
    header_fields_ = header.field_count;
    for (size_t i = 0; i < header.field_count; ++i) {
      absl::string_view name = absl::StripAsciiWhitespace(header.field(i));
      int which = -1;
      for (int k = 0; k < kColumnCount; ++k) {
        if (name == kColumnNames[k]) which = k;
      }
      if (which < 0) {
        errors_.push_back(absl::StrCat(
            At(header.line), "unknown column \"", name, "\" (expected ",
            absl::StrJoin(kColumnNames, ", "), ")"));
      } else if (column_of_[which] >= 0) {
        errors_.push_back(absl::StrCat(At(header.line), "column \"", name,
                                       "\" appears twice"));
      } else {
        column_of_[which] = static_cast<int>(i);
      }
    }
    for (int k : {kTimestamp, kNamespace, kMetricName, kValue}) {
      if (column_of_[k] < 0) {
        errors_.push_back(absl::StrCat(At(header.line), "missing column \"",
                                       kColumnNames[k], "\""));
      }
    }
    return errors_.empty();
  }

  // Reads rows until one is a valid datum and stores it in `*timed`
  // (overwriting every member, reusing its buffers); bad rows on the way
  // are recorded in errors(). Returns false at the end of the text.
  bool NextDatum(TimedDatum* timed) {
    while (records_->Next(&record_)) {
      if (ToDatum(record_, timed)) return true;
    }
    return false;
  }

  const std::vector<std::string>& errors() const { return errors_; }
  // True when the file could not be read to its end (see CsvRecordReader).
  bool read_error() const { return records_->read_error(); }

 private:
  std::string At(int line) const { return absl::StrCat(source_, ":", line, ": "); }

  bool ToDatum(const CsvRecord& rec, TimedDatum* timed) {
    if (!rec.error.empty()) {
      errors_.push_back(At(rec.line) + rec.error);
      return false;
    }
    if (rec.field_count != header_fields_) {
      errors_.push_back(absl::StrCat(At(rec.line), "expected ", header_fields_,
                                     " fields, got ", rec.field_count));
      return false;
    }
    auto field = [&](CsvColumn c) -> absl::string_view {
      return column_of_[c] < 0 ? absl::string_view() : rec.field(column_of_[c]);
    };
    // The message prefix is built only when there is a problem.
    auto prefix = [&]() { return At(rec.line); };
    const size_t errors_before = errors_.size();
    MetricDatum& d = timed->datum;
    absl::string_view ns = field(kNamespace);
    absl::string_view name = field(kMetricName);
    d.metric.metric_namespace.assign(ns.data(), ns.size());
    d.metric.metric_name.assign(name.data(), name.size());
    d.timestamp = absl::Time();
    d.unit = Unit::kNone;
    d.value.reset();
    d.values.clear();
    d.counts.clear();
    d.statistic_values.reset();
    d.storage_resolution = 60;

    absl::StatusOr<absl::Time> ts = ParseTimestamp(field(kTimestamp));
    if (ts.ok()) {
      d.timestamp = *ts;
    } else {
      errors_.push_back(
          absl::StrCat(prefix(), "Timestamp: ", ts.status().message()));
    }
    timed->received_at = d.timestamp;
    if (column_of_[kReceivedAt] >= 0 &&
        !absl::StripAsciiWhitespace(field(kReceivedAt)).empty()) {
      absl::StatusOr<absl::Time> received = ParseTimestamp(field(kReceivedAt));
      if (received.ok()) {
        timed->received_at = *received;
      } else {
        errors_.push_back(
            absl::StrCat(prefix(), "ReceivedAt: ", received.status().message()));
      }
    }
    size_t dimensions = 0;
    for (absl::string_view pair :
         absl::StrSplit(field(kDimensions), ';', absl::SkipWhitespace())) {
      std::pair<absl::string_view, absl::string_view> nv =
          absl::StrSplit(pair, absl::MaxSplits('=', 1));
      if (pair.find('=') == absl::string_view::npos) {
        errors_.push_back(absl::StrCat(prefix(), "Dimensions: \"", pair,
                                       "\" is not Name=Value"));
        continue;
      }
      if (dimensions == d.metric.dimensions.size()) {
        d.metric.dimensions.emplace_back();
      }
      Dimension& dim = d.metric.dimensions[dimensions++];
      dim.name.assign(nv.first.data(), nv.first.size());
      dim.value.assign(nv.second.data(), nv.second.size());
    }
    d.metric.dimensions.resize(dimensions);
    absl::string_view unit = absl::StripAsciiWhitespace(field(kUnit));
    if (!unit.empty()) {
      absl::StatusOr<Unit> u = ParseUnit(unit);
      if (u.ok()) {
        d.unit = *u;
      } else {
        errors_.push_back(absl::StrCat(prefix(), "Unit: ", u.status().message()));
      }
    }
    absl::string_view value = absl::StripAsciiWhitespace(field(kValue));
    double x = 0;
    if (value.empty()) {
      errors_.push_back(
          absl::StrCat(prefix(), "Value: empty; a number is required"));
    } else if (!absl::SimpleAtod(value, &x)) {
      errors_.push_back(
          absl::StrCat(prefix(), "Value: \"", value, "\" is not a number"));
    } else {
      d.value = x;
    }
    if (errors_.size() != errors_before) return false;
    timed->place.clear();
    absl::StrAppend(&timed->place, source_, ":", rec.line);
    // PutMetricData's window (two weeks back, two hours ahead) applies
    // relative to the arrival instant; an out-of-window datum is an input
    // error like any other (docs/statistics.md, "Ingestion").
    absl::Status valid =
        ValidateMetricDatum(d, timed->place, timed->received_at);
    if (!valid.ok()) {
      errors_.push_back(std::string(valid.message()));
      return false;
    }
    return true;
  }

  CsvRecordReader* records_;
  std::string source_;
  CsvRecord record_;
  int column_of_[kColumnCount];
  size_t header_fields_ = 0;
  std::vector<std::string> errors_;
};

// Converts one PutCompositeAlarm object; returns nullopt after recording
// its problems.
std::optional<CompositeAlarmSpec> CompositeFromJson(const json& obj,
                                                    const std::string& path,
                                                    JsonErrors& errors) {
  if (!ExpectObject(obj, path, errors)) return std::nullopt;
  const size_t errors_before = errors.count();
  CompositeAlarmSpec spec;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (v.is_null()) continue;  // JSON null is an absent key.
    const std::string p = absl::StrCat(path, ".", key);
    std::string s;
    int i = 0;
    if (key == "AlarmName") {
      GetString(v, p, errors, &spec.alarm_name);
    } else if (key == "AlarmDescription") {
      if (GetString(v, p, errors, &s)) spec.alarm_description = s;
    } else if (key == "AlarmRule") {
      GetString(v, p, errors, &spec.alarm_rule);
    } else if (key == "ActionsEnabled") {
      GetBool(v, p, errors, &spec.actions_enabled);
    } else if (key == "OKActions") {
      GetStringList(v, p, errors, &spec.ok_actions);
    } else if (key == "AlarmActions") {
      GetStringList(v, p, errors, &spec.alarm_actions);
    } else if (key == "InsufficientDataActions") {
      GetStringList(v, p, errors, &spec.insufficient_data_actions);
    } else if (key == "ActionsSuppressor") {
      if (GetString(v, p, errors, &s)) spec.actions_suppressor = s;
    } else if (key == "ActionsSuppressorWaitPeriod") {
      if (GetInt(v, p, errors, &i)) {
        spec.actions_suppressor_wait_period = absl::Seconds(i);
      }
    } else if (key == "ActionsSuppressorExtensionPeriod") {
      if (GetInt(v, p, errors, &i)) {
        spec.actions_suppressor_extension_period = absl::Seconds(i);
      }
    } else if (key == "Tags") {
      std::vector<std::pair<std::string, std::string>> pairs;
      GetPairs(v, p, "Key", "Value", errors, &pairs);
      for (auto& [k, value] : pairs) spec.tags.push_back({std::move(k), std::move(value)});
    } else if (!IsReadOnlyAlarmKey(key) && key != "ActionsSuppressedBy" &&
               key != "ActionsSuppressedReason") {
      errors.Add(p, "unknown key (not a PutCompositeAlarm field)");
    }
  }
  if (errors.count() != errors_before) return std::nullopt;
  absl::Status valid = spec.Validate();
  if (!valid.ok()) {
    errors.Add(path, valid.message());
    return std::nullopt;
  }
  return spec;
}

bool IsCompositeDocument(const json& obj) {
  return obj.is_object() && obj.contains("AlarmRule");
}

// A PutAnomalyDetector document (or a DescribeAnomalyDetectors entry): it
// names its metric through SingleMetricAnomalyDetector, or through the
// legacy top-level Namespace/MetricName/Dimensions/Stat, and has no
// AlarmName.
bool IsAnomalyDetectorDocument(const json& obj) {
  return obj.is_object() && !obj.contains("AlarmName") &&
         (obj.contains("SingleMetricAnomalyDetector") || obj.contains("Stat"));
}

// The metric fields of a detector: Namespace, MetricName, Dimensions, Stat
// (AccountId is kept out: cross-account detectors are out of scope).
bool GetDetectorMetric(const json& obj, const std::string& path,
                       JsonErrors& errors, AnomalyDetectorSpec* out,
                       bool top_level) {
  bool ok = true;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string p = absl::StrCat(path, ".", it.key());
    const json& v = it.value();
    if (v.is_null()) continue;
    if (TakeMetricIdKey(it.key(), v, p, errors, &out->metric, &ok)) {
      continue;
    } else if (it.key() == "Stat") {
      ok &= GetString(v, p, errors, &out->stat);
    } else if (top_level) {
      continue;  // The caller handles the other top-level keys.
    } else {
      errors.Add(p, "unknown key (expected Namespace, MetricName, Dimensions, "
                    "Stat)");
      ok = false;
    }
  }
  return ok;
}

std::optional<AnomalyDetectorSpec> AnomalyDetectorFromJson(
    const json& obj, const std::string& path, JsonErrors& errors) {
  if (!ExpectObject(obj, path, errors)) return std::nullopt;
  const size_t before = errors.count();
  AnomalyDetectorSpec spec;
  GetDetectorMetric(obj, path, errors, &spec, /*top_level=*/true);
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string p = absl::StrCat(path, ".", it.key());
    const json& v = it.value();
    if (v.is_null()) continue;
    const std::string& key = it.key();
    if (key == "Namespace" || key == "MetricName" || key == "Dimensions" ||
        key == "Stat") {
      continue;
    } else if (key == "SingleMetricAnomalyDetector") {
      if (ExpectObject(v, p, errors)) {
        json metric = v;
        metric.erase("AccountId");
        GetDetectorMetric(metric, p, errors, &spec, /*top_level=*/false);
      }
    } else if (key == "Configuration") {
      if (!ExpectObject(v, p, errors)) continue;
      for (auto c = v.begin(); c != v.end(); ++c) {
        const std::string cp = absl::StrCat(p, ".", c.key());
        if (c.value().is_null()) continue;
        if (c.key() == "MetricTimezone") {
          std::string tz;
          if (GetString(c.value(), cp, errors, &tz)) spec.metric_timezone = tz;
        } else if (c.key() == "ExcludedTimeRanges") {
          if (!c.value().is_array()) {
            errors.Add(cp, absl::StrCat("expected an array of {StartTime, "
                                        "EndTime} objects, got ",
                                        Shown(c.value())));
            continue;
          }
          for (size_t i = 0; i < c.value().size(); ++i) {
            const json& r = c.value()[i];
            const std::string rp = absl::StrCat(cp, "[", i, "]");
            if (!ExpectObject(r, rp, errors)) continue;
            AnomalyDetectorSpec::TimeRange range;
            bool has_start = false, has_end = false;
            for (auto f = r.begin(); f != r.end(); ++f) {
              const std::string fp = absl::StrCat(rp, ".", f.key());
              if (f.key() == "StartTime") {
                has_start = GetTime(f.value(), fp, errors, &range.start);
              } else if (f.key() == "EndTime") {
                has_end = GetTime(f.value(), fp, errors, &range.end);
              } else {
                errors.Add(fp, "unknown key (expected StartTime and EndTime)");
              }
            }
            if (!has_start || !has_end) {
              errors.Add(rp, "StartTime and EndTime are required");
              continue;
            }
            spec.excluded_time_ranges.push_back(range);
          }
        } else {
          errors.Add(cp, "unknown key (expected ExcludedTimeRanges, "
                         "MetricTimezone)");
        }
      }
    } else if (key == "StateValue" || key == "MetricCharacteristics") {
      // DescribeAnomalyDetectors' read-only state, and the newer
      // PeriodicSpikes hint: accepted, not interpreted (docs/choices.md).
    } else {
      errors.Add(p, "unknown key (not a PutAnomalyDetector field)");
    }
  }
  if (errors.count() != before) return std::nullopt;
  absl::Status valid = spec.Validate();
  if (!valid.ok()) {
    errors.Add(path, valid.message());
    return std::nullopt;
  }
  return spec;
}

}  // namespace

// ---------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------

absl::StatusOr<std::vector<AlarmSpec>> ParseAlarmsJson(absl::string_view text,
                                                       absl::string_view source) {
  JsonErrors errors(source);
  std::optional<json> doc = ParseJson(text, errors);
  if (!doc.has_value()) return Problems(errors.lines());
  if (!ExpectObject(*doc, "$", errors)) return Problems(errors.lines());

  std::vector<AlarmSpec> alarms;
  std::vector<std::string> paths;
  auto take = [&](const json& obj, std::string path) {
    std::optional<AlarmSpec> spec = AlarmFromJson(obj, path, errors);
    if (spec.has_value()) {
      alarms.push_back(std::move(*spec));
      paths.push_back(std::move(path));
    }
  };
  if (doc->contains("MetricAlarms")) {
    for (auto it = doc->begin(); it != doc->end(); ++it) {
      const std::string p = absl::StrCat("$.", it.key());
      const json& v = it.value();
      if (it.key() == "MetricAlarms") {
        if (!v.is_array()) {
          errors.Add(p, absl::StrCat("expected an array, got ", Shown(v)));
          continue;
        }
        for (size_t i = 0; i < v.size(); ++i) {
          take(v[i], absl::StrCat(p, "[", i, "]"));
        }
      } else if (it.key() == "CompositeAlarms") {
        if (!v.is_null() && !(v.is_array() && v.empty())) {
          errors.Add(p, "composite alarms are not supported; expected [] or no key");
        }
      } else if (it.key() != "NextToken") {
        errors.Add(p, "unknown key (expected MetricAlarms)");
      }
    }
  } else {
    take(*doc, "$");
  }

  absl::flat_hash_map<std::string, size_t> first_by_name;
  for (size_t i = 0; i < alarms.size(); ++i) {
    auto [it, inserted] = first_by_name.emplace(alarms[i].alarm_name, i);
    if (!inserted) {
      errors.Add(absl::StrCat(paths[i], ".AlarmName"),
                 absl::StrCat("duplicate alarm name \"", alarms[i].alarm_name,
                              "\" (first at ", paths[it->second], ")"));
    }
  }
  if (errors.count() > 0) return Problems(errors.lines());
  return alarms;
}

absl::StatusOr<std::vector<AlarmSpec>> ParseAlarmsTextProto(
    absl::string_view text, absl::string_view source) {
  TextErrors syntax(source);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&syntax);
  pb::TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  config::AlarmConfigFile file;
  if (!parser.ParseFromString(std::string(text), &file)) {
    if (syntax.lines().empty()) {
      syntax.lines().push_back(absl::StrCat(source, ": invalid text proto"));
    }
    return Problems(syntax.lines());
  }

  std::vector<std::string> errors;
  std::vector<AlarmSpec> alarms;
  std::vector<int> indices;
  for (int i = 0; i < file.alarms_size(); ++i) {
    AlarmLocator at(source, tree, i);
    std::optional<AlarmSpec> spec = AlarmFromProto(file.alarms(i), at, errors);
    if (spec.has_value()) {
      alarms.push_back(std::move(*spec));
      indices.push_back(i);
    }
  }
  absl::flat_hash_map<std::string, int> first_by_name;
  for (size_t k = 0; k < alarms.size(); ++k) {
    auto [it, inserted] = first_by_name.emplace(alarms[k].alarm_name, indices[k]);
    if (!inserted) {
      AlarmLocator at(source, tree, indices[k]);
      errors.push_back(absl::StrCat(at.Prefix("alarm_name"),
                                    "duplicate alarm name \"",
                                    alarms[k].alarm_name, "\" (first at alarms[",
                                    it->second, "])"));
    }
  }
  if (!errors.empty()) return Problems(errors);
  return alarms;
}

absl::StatusOr<std::vector<AlarmSpec>> LoadAlarmsFile(absl::string_view path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  if (HasExtension(path, ".textproto") || HasExtension(path, ".txtpb") ||
      HasExtension(path, ".pbtxt")) {
    return ParseAlarmsTextProto(*text, path);
  }
  return ParseAlarmsJson(*text, path);
}

absl::StatusOr<AlarmConfig> ParseAlarmConfigJson(absl::string_view text,
                                                 absl::string_view source) {
  JsonErrors errors(source);
  std::optional<json> doc = ParseJson(text, errors);
  if (!doc.has_value()) return Problems(errors.lines());

  AlarmConfig config;
  std::vector<std::pair<std::string, std::string>> names;  // name, path.
  auto take = [&](const json& obj, std::string path) {
    if (IsAnomalyDetectorDocument(obj)) {
      std::optional<AnomalyDetectorSpec> d = AnomalyDetectorFromJson(obj, path, errors);
      if (d.has_value()) config.anomaly_detectors.push_back(std::move(*d));
    } else if (IsCompositeDocument(obj)) {
      std::optional<CompositeAlarmSpec> spec = CompositeFromJson(obj, path, errors);
      if (spec.has_value()) {
        names.emplace_back(spec->alarm_name, std::move(path));
        config.composite_alarms.push_back(std::move(*spec));
      }
    } else {
      std::optional<AlarmSpec> spec = AlarmFromJson(obj, path, errors);
      if (spec.has_value()) {
        names.emplace_back(spec->alarm_name, std::move(path));
        config.metric_alarms.push_back(std::move(*spec));
      }
    }
  };
  auto take_list = [&](const json& v, const std::string& p, bool composite) {
    if (!v.is_array()) {
      errors.Add(p, absl::StrCat("expected an array, got ", Shown(v)));
      return;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const std::string item = absl::StrCat(p, "[", i, "]");
      if (composite) {
        std::optional<CompositeAlarmSpec> spec = CompositeFromJson(v[i], item, errors);
        if (spec.has_value()) {
          names.emplace_back(spec->alarm_name, item);
          config.composite_alarms.push_back(std::move(*spec));
        }
      } else {
        take(v[i], item);
      }
    }
  };
  if (doc->is_array()) {
    for (size_t i = 0; i < doc->size(); ++i) take((*doc)[i], absl::StrCat("$[", i, "]"));
  } else if (!ExpectObject(*doc, "$", errors)) {
    return Problems(errors.lines());
  } else if (doc->contains("MetricAlarms") || doc->contains("CompositeAlarms") ||
             doc->contains("AnomalyDetectors")) {
    for (auto it = doc->begin(); it != doc->end(); ++it) {
      const std::string p = absl::StrCat("$.", it.key());
      if (it.value().is_null()) continue;
      if (it.key() == "MetricAlarms") {
        take_list(it.value(), p, /*composite=*/false);
      } else if (it.key() == "CompositeAlarms") {
        take_list(it.value(), p, /*composite=*/true);
      } else if (it.key() == "AnomalyDetectors") {
        if (!it.value().is_array()) {
          errors.Add(p, absl::StrCat("expected an array, got ", Shown(it.value())));
          continue;
        }
        for (size_t i = 0; i < it.value().size(); ++i) {
          std::optional<AnomalyDetectorSpec> d = AnomalyDetectorFromJson(
              it.value()[i], absl::StrCat(p, "[", i, "]"), errors);
          if (d.has_value()) config.anomaly_detectors.push_back(std::move(*d));
        }
      } else if (it.key() != "NextToken") {
        errors.Add(p, "unknown key (expected MetricAlarms, CompositeAlarms or "
                      "AnomalyDetectors)");
      }
    }
  } else {
    take(*doc, "$");
  }

  absl::flat_hash_map<std::string, size_t> first_by_name;
  for (size_t i = 0; i < names.size(); ++i) {
    auto [it, inserted] = first_by_name.emplace(names[i].first, i);
    if (!inserted) {
      errors.Add(absl::StrCat(names[i].second, ".AlarmName"),
                 absl::StrCat("duplicate alarm name \"", names[i].first,
                              "\" (first at ", names[it->second].second, ")"));
    }
  }
  if (errors.count() > 0) return Problems(errors.lines());
  return config;
}

absl::StatusOr<AlarmConfig> LoadAlarmConfigFile(absl::string_view path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  if (HasExtension(path, ".textproto") || HasExtension(path, ".txtpb") ||
      HasExtension(path, ".pbtxt")) {
    absl::StatusOr<std::vector<AlarmSpec>> metric = ParseAlarmsTextProto(*text, path);
    if (!metric.ok()) return metric.status();
    AlarmConfig config;
    config.metric_alarms = *std::move(metric);
    return config;
  }
  return ParseAlarmConfigJson(*text, path);
}

absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(text);
  std::optional<absl::Time> unix = ParseUnixSeconds(trimmed);
  if (unix.has_value()) return *unix;
  absl::Time t;
  std::string err;
  // %Ez takes `Z` as well as `+hh:mm`; a zone is required.
  if (!trimmed.empty() &&
      absl::ParseTime("%Y-%m-%dT%H:%M:%E*S%Ez", trimmed, &t, &err) &&
      t >= absl::FromUnixSeconds(kMinUnixSeconds) &&
      t <= absl::FromUnixSeconds(kMaxUnixSeconds)) {
    return t;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid timestamp \"", text,
      "\": expected ISO 8601 with Z or an offset (2024-03-16T12:15:00Z, "
      "2024-03-16T12:15:00.250+02:00) or Unix seconds (1710591300, "
      "1710591300.25)"));
}

absl::StatusOr<std::vector<TimedDatum>> ParseMetricsJson(
    absl::string_view text, absl::string_view source) {
  JsonErrors errors(source);
  std::optional<json> doc = ParseJson(text, errors);
  if (!doc.has_value()) return Problems(errors.lines());
  std::vector<TimedDatum> data;
  if (doc->is_array()) {
    for (size_t i = 0; i < doc->size(); ++i) {
      DocumentFromJson((*doc)[i], absl::StrCat("$[", i, "]"), errors, &data);
    }
  } else {
    DocumentFromJson(*doc, "$", errors, &data);
  }
  if (errors.count() > 0) return Problems(errors.lines());
  return data;
}

absl::StatusOr<std::vector<TimedDatum>> ParseMetricsCsv(
    absl::string_view text, absl::string_view source) {
  CsvRecordReader records(text);
  MetricsCsvRows rows(&records, source);
  if (!rows.ReadHeader()) return Problems(rows.errors());
  std::vector<TimedDatum> data;
  TimedDatum timed;
  while (rows.NextDatum(&timed)) {
    data.push_back(timed);
  }
  if (!rows.errors().empty()) return Problems(rows.errors());
  return data;
}

struct MetricsCsvFileReader::Impl {
  Impl(std::FILE* f, size_t chunk, absl::string_view path)
      : file(f), records(f, chunk), rows(&records, path), path(path) {}
  ~Impl() { std::fclose(file); }
  std::FILE* file;
  CsvRecordReader records;
  MetricsCsvRows rows;
  std::string path;
  TimedDatum current;
};

MetricsCsvFileReader::MetricsCsvFileReader(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

MetricsCsvFileReader::~MetricsCsvFileReader() = default;

absl::StatusOr<std::unique_ptr<MetricsCsvFileReader>>
MetricsCsvFileReader::Open(absl::string_view path, size_t chunk_bytes) {
  absl::StatusOr<std::FILE*> file = OpenFile(path);
  if (!file.ok()) return file.status();
  auto impl = std::make_unique<Impl>(*file, std::max<size_t>(1, chunk_bytes),
                                     path);
  if (!impl->rows.ReadHeader()) {
    if (impl->rows.read_error()) {
      return absl::UnknownError(absl::StrCat(path, ": read error"));
    }
    return Problems(impl->rows.errors());
  }
  return std::unique_ptr<MetricsCsvFileReader>(
      new MetricsCsvFileReader(std::move(impl)));
}

const TimedDatum* MetricsCsvFileReader::Next() {
  return impl_->rows.NextDatum(&impl_->current) ? &impl_->current : nullptr;
}

absl::Status MetricsCsvFileReader::status() const {
  if (impl_->rows.read_error()) {
    return absl::UnknownError(absl::StrCat(impl_->path, ": read error"));
  }
  if (!impl_->rows.errors().empty()) return Problems(impl_->rows.errors());
  return absl::OkStatus();
}

absl::StatusOr<std::vector<TimedDatum>> LoadMetricsFile(absl::string_view path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  if (HasExtension(path, ".csv")) return ParseMetricsCsv(*text, path);
  return ParseMetricsJson(*text, path);
}

}  // namespace cwalarm
