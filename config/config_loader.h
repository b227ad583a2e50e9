// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// Reading alarm definitions and metric data from files into plain C++.
//
// This is the edge of the library where JSON, CSV and text proto live; what
// comes out is `AlarmSpec` and `MetricDatum`, validated with the same rules
// C++ callers get (`AlarmSpec::Validate`, `ValidateMetricDatum`). Accepted
// inputs are the ones `cwalarm replay` takes:
//
//   alarms:  `aws cloudwatch put-metric-alarm --cli-input-json` (one alarm),
//            `aws cloudwatch describe-alarms` output (`{"MetricAlarms": [...]}`),
//            or a text proto of `cwalarm.config.AlarmConfigFile`
//            (config/alarm_config.proto).
//   metrics: `aws cloudwatch put-metric-data --cli-input-json` (one document
//            or a JSON array of them), or CSV with the header
//            `Timestamp,Namespace,MetricName,Dimensions,Unit,Value`.
//
//   absl::StatusOr<std::vector<AlarmSpec>> alarms =
//       LoadAlarmsFile("examples/alarms.json");
//   absl::StatusOr<std::vector<TimedDatum>> data =
//       ParseMetricsCsv(csv_text, "metrics.csv");
//
// Errors. Every function reports *all* problems it finds, not just the first:
// on failure it returns kInvalidArgument whose message holds one line per
// problem (joined with '\n'), each starting with the source and the place:
//
//   alarms.json: $.MetricAlarms[2].Period: expected an integer, got "60"
//   alarms.textproto:3:7: Expected identifier, got: 60
//   metrics.csv:14: metric "CPUUtilization": ...
//
// No input makes these functions crash or throw; nothing is silently skipped.
//
// Thread-safety: pure functions of their arguments (the Load* functions also
// read a file); safe to call concurrently.

#ifndef CWALARM_CONFIG_CONFIG_LOADER_H_
#define CWALARM_CONFIG_CONFIG_LOADER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "alarm/alarm_spec.h"
#include "alarm/composite_alarm.h"
#include "metrics/datapoint.h"

namespace cwalarm {

// ---------------------------------------------------------------------------
// Alarms
// ---------------------------------------------------------------------------

// Parses alarms written as JSON. `text` is either one alarm in the shape
// `aws cloudwatch put-metric-alarm --cli-input-json` takes (PascalCase keys:
// AlarmName, AlarmDescription, ActionsEnabled, OKActions, AlarmActions,
// InsufficientDataActions, MetricName, Namespace, Statistic,
// ExtendedStatistic, Dimensions [{Name, Value}], Period (integer seconds),
// Unit, EvaluationPeriods, DatapointsToAlarm, Threshold, ComparisonOperator,
// TreatMissingData, EvaluateLowSampleCountPercentile, Tags [{Key, Value}]),
// or a `{"MetricAlarms": [...]}` document as printed by
// `aws cloudwatch describe-alarms` (its read-only keys, such as AlarmArn and
// StateValue, are ignored, as is an empty "CompositeAlarms" list). Each alarm
// may also carry our optional `EvaluationRange` (integer, spec 3.3).
//
// `source` names the input in messages (usually the file name). JSON null is
// treated as an absent key.
//
// Returns the alarms in document order. Returns kInvalidArgument listing
// every problem, one per line: malformed JSON; unknown keys (a misspelt key
// is never ignored); wrong JSON types and bad enum values, with their JSON
// path (`$.MetricAlarms[2].Period`); `AlarmSpec::Validate` failures prefixed
// with the alarm's path; and alarm names used twice.
absl::StatusOr<std::vector<AlarmSpec>> ParseAlarmsJson(absl::string_view text,
                                                       absl::string_view source);

// Parses a text proto of `cwalarm.config.AlarmConfigFile`. Returns the alarms
// in file order. Returns kInvalidArgument listing every problem: text-format
// syntax errors as `source:line:column: message` (1-based), and conversion
// or validation errors as `source:line:column: alarms[i].field: message`,
// pointing at the offending field (or at the alarm when the field is unset).
// Alarm names used twice are an error.
absl::StatusOr<std::vector<AlarmSpec>> ParseAlarmsTextProto(
    absl::string_view text, absl::string_view source);

// Reads the file at `path` and parses it with ParseAlarmsTextProto when its
// extension is `.textproto`, `.txtpb` or `.pbtxt`, with ParseAlarmsJson
// otherwise; messages name the file by `path`. Returns kNotFound naming the
// path when the file does not exist, kPermissionDenied/kUnknown when it
// cannot be read, and the parser's errors otherwise.
absl::StatusOr<std::vector<AlarmSpec>> LoadAlarmsFile(absl::string_view path);

// ---------------------------------------------------------------------------
// Metric and composite alarms together (issue 6)
// ---------------------------------------------------------------------------

// Every alarm of one alarms file.
struct AlarmConfig {
  std::vector<AlarmSpec> metric_alarms;               // Document order.
  std::vector<CompositeAlarmSpec> composite_alarms;   // Document order.
  // PutAnomalyDetector documents (spec 3.8), document order.
  std::vector<AnomalyDetectorSpec> anomaly_detectors;
};

// Like ParseAlarmsJson, and also accepts composite alarms: `text` is one
// PutMetricAlarm document, one `aws cloudwatch put-composite-alarm
// --cli-input-json` document (recognised by its `AlarmRule` key: AlarmName,
// AlarmDescription, AlarmRule, ActionsEnabled, OKActions, AlarmActions,
// InsufficientDataActions, ActionsSuppressor, ActionsSuppressorWaitPeriod,
// ActionsSuppressorExtensionPeriod (integer seconds), Tags), a
// describe-alarms document `{"MetricAlarms": [...], "CompositeAlarms":
// [...]}` (either list may be absent; read-only keys such as StateValue and
// ActionsSuppressedBy are ignored), or a JSON array of Put* documents of
// either kind. Composites are checked with CompositeAlarmSpec::Validate;
// whether their children exist is checked when they are put
// (CompositeEvaluator). Errors as for ParseAlarmsJson (`$.CompositeAlarms[0]
// .AlarmRule: ...`, `$[2]: ...`); a name used twice, across both kinds, is an
// error. Anomaly-detector configurations come as PutAnomalyDetector
// documents (SingleMetricAnomalyDetector {Namespace, MetricName, Dimensions,
// Stat} or those keys at the top level, Configuration {ExcludedTimeRanges
// [{StartTime, EndTime}], MetricTimezone}) in the array form, or as the
// `AnomalyDetectors` list of a describe document.
absl::StatusOr<AlarmConfig> ParseAlarmConfigJson(absl::string_view text,
                                                 absl::string_view source);

// Reads the file at `path`: a text proto gives metric alarms only
// (ParseAlarmsTextProto), anything else goes to ParseAlarmConfigJson.
// Errors as for LoadAlarmsFile.
absl::StatusOr<AlarmConfig> LoadAlarmConfigFile(absl::string_view path);

// ---------------------------------------------------------------------------
// Metric data
// ---------------------------------------------------------------------------

// One published datum and when CloudWatch received it. Replays store each
// datum at `received_at`, so late data is seen only by evaluations after it
// arrived (spec 3.7).
struct TimedDatum {
  MetricDatum datum;
  // When the datum arrived. Defaults to `datum.timestamp` when the input has
  // no `ReceivedAt`.
  absl::Time received_at;
  // Where the datum came from, for messages: `metrics.csv:14` or
  // `metrics.json: $[0].MetricData[3]`.
  std::string place;
};

// Parses an instant: ISO 8601 with `Z` or a numeric offset
// (`2024-03-16T12:15:00Z`, `2024-03-16T12:15:00.250+02:00`) or Unix seconds,
// integer or fractional (`1710591300`, `1710591300.25`). Returns
// kInvalidArgument naming `text` otherwise (an ISO time without a zone is
// refused: its meaning would depend on the machine).
absl::StatusOr<absl::Time> ParseTimestamp(absl::string_view text);

// Parses metric data written as JSON: one document as
// `aws cloudwatch put-metric-data --cli-input-json` takes it (`Namespace`,
// `MetricData` entries with `MetricName`, `Dimensions` [{Name, Value}],
// `Timestamp`, one of `Value` / `Values` + `Counts` / `StatisticValues`
// {SampleCount, Sum, Minimum, Maximum}, `Unit`, `StorageResolution`, and our
// optional `ReceivedAt`), or a JSON array of such documents. Timestamps are
// strings (see ParseTimestamp) or JSON numbers of Unix seconds; every datum
// needs one.
//
// Returns the data in document order, each checked with ValidateMetricDatum
// with its `ReceivedAt` as the ingest clock (a Timestamp more than two weeks
// before or two hours after it is refused like any other invalid datum).
// Returns kInvalidArgument listing every problem, one per line, as
// `source: $.path: rule` (`$.MetricData[3]` for one document,
// `$[0].MetricData[3]` for an array).
absl::StatusOr<std::vector<TimedDatum>> ParseMetricsJson(
    absl::string_view text, absl::string_view source);

// Parses metric data written as CSV (RFC 4180: fields may be quoted with
// `"`, `""` inside quotes is one quote, quoted fields may hold commas and
// newlines). The first record is the header; columns are matched by name, in
// any order: `Timestamp`, `Namespace`, `MetricName` and `Value` are required,
// `Dimensions` (`Name=Value;Name=Value`, may be empty), `Unit` (may be empty:
// `None`) and `ReceivedAt` are optional. Blank lines are skipped.
//
// Returns one datum per data row, in file order, each checked with
// ValidateMetricDatum with its `ReceivedAt` as the ingest clock. Returns kInvalidArgument listing every bad row (and
// a bad header), one line each, as `source:line: rule`, where `line` is the
// 1-based line the record starts on.
absl::StatusOr<std::vector<TimedDatum>> ParseMetricsCsv(
    absl::string_view text, absl::string_view source);

// Reads the file at `path` and parses it with ParseMetricsCsv when its
// extension is `.csv`, with ParseMetricsJson otherwise. Errors as for
// LoadAlarmsFile.
absl::StatusOr<std::vector<TimedDatum>> LoadMetricsFile(absl::string_view path);

// Reads a metrics CSV file (ParseMetricsCsv's format and rules) one datum at
// a time, holding only a read buffer (about 1 MiB) and the current record in
// memory: for replays of histories too long to load whole (issue 7).
//
//   absl::StatusOr<std::unique_ptr<MetricsCsvFileReader>> reader =
//       MetricsCsvFileReader::Open("metrics.csv");
//   if (!reader.ok()) return reader.status();
//   while (const TimedDatum* d = (*reader)->Next()) Use(*d);
//   absl::Status s = (*reader)->status();  // Every bad row, if any.
//
// Read to its end, a reader has returned exactly the data ParseMetricsCsv
// returns for the file, in the same order, and status() holds exactly its
// error message; bad rows are never returned but always reported.
//
// Thread-compatible (one reader per thread).
class MetricsCsvFileReader {
 public:
  // Opens `path` and reads its header. Returns kNotFound /
  // kPermissionDenied / kUnknown as LoadMetricsFile when the file cannot be
  // read, and kInvalidArgument for an empty file or a bad header (the
  // message ParseMetricsCsv gives).
  // `chunk_bytes` (> 0) is how much is read at a time; tests make it small
  // so that records straddle chunks at every position.
  static absl::StatusOr<std::unique_ptr<MetricsCsvFileReader>> Open(
      absl::string_view path, size_t chunk_bytes = size_t{1} << 20);
  ~MetricsCsvFileReader();
  MetricsCsvFileReader(const MetricsCsvFileReader&) = delete;
  MetricsCsvFileReader& operator=(const MetricsCsvFileReader&) = delete;

  // The next valid datum in file order, or nullptr at the end of the file
  // (or when it cannot be read further: see status()). The datum stays valid
  // until the next call. Bad rows on the way are skipped and recorded.
  const TimedDatum* Next();

  // OK while every row read so far was valid. Otherwise kInvalidArgument
  // with one line per bad row read so far, as ParseMetricsCsv reports them,
  // or kUnknown `path: read error` when reading failed.
  absl::Status status() const;

 private:
  struct Impl;
  explicit MetricsCsvFileReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cwalarm

#endif  // CWALARM_CONFIG_CONFIG_LOADER_H_
