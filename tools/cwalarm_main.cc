// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The `cwalarm` command: a thin main over RunReplay (tools/replay.h).
//
//   cwalarm replay --alarms=FILE --metrics=FILE [--from=TIME] [--to=TIME]
//                  [--evaluate-at=TIME,TIME,...] [--initial-state=STATE[:REASON]]
//                  [--evaluation-range=N] [--format=json|text]
//                  [--region=REGION] [--account-id=ID]
//                  [--series=SERIES ... [--series-start=TIME]
//                   [--series-step=60s]] [--plot=FILE.svg]
//   cwalarm tune --alarms=FILE --metrics=FILE --threshold=LO:HI:STEP
//                [--datapoints=M/N,...] [--alarm-name=NAME]  (tools/tune.h)
//   cwalarm lint --alarms=FILE [--metrics=FILE]           (tools/lint.h;
//                exit status 1 when there are warnings)
//
// Exit status: 0 with the output on stdout; 2 for invalid input or usage,
// with nothing on stdout and one line per problem on stderr.
//
// SNS (issue 4, docs/sns.md): `--print-notifications` prints the Publish
// calls the replay would make (one JSON object per line: TopicArn, Subject,
// Message, IdempotencyKey) instead of the report, sending nothing.
// `--sns-endpoint=URL` publishes them for real through the durable outbox
// `--sns-outbox` (default cwalarm_sns.outbox), prints the report, waits up
// to `--sns-drain-timeout` for delivery and prints one Action history item
// per delivery attempt on stderr as it happens (JSON lines); exit status 3
// when notifications are still pending then (a later run with the same
// outbox delivers them). Credentials: AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY[, AWS_SESSION_TOKEN].
//
// Auto Scaling (issue 5, docs/autoscaling.md): `--scaling-policies=FILE
// --group=min=1,max=10,desired=2[,launch=120s]` simulates the group the
// alarms' policy ARNs name (tools/scaling_replay.h) and appends its
// activities and capacity timeline to the report.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "tools/lint.h"
#include "tools/replay.h"
#include "tools/scaling_replay.h"
#include "tools/tune.h"
#include "tools/sns_notifications.h"

// Every flag is a string parsed by us, so a bad value is reported our way
// (exit 2, one line) rather than by the flags library. Flags are written with
// dashes on the command line (`--evaluate-at`); absl names use underscores.
ABSL_FLAG(std::string, alarms, "", "Alarm definitions: put-metric-alarm, "
          "put-composite-alarm (replay only) or describe-alarms JSON, a JSON "
          "array of put-* documents, or a .textproto. Required.");
ABSL_FLAG(std::string, metrics, "", "Metric data: put-metric-data JSON or "
          "CSV (Timestamp,Namespace,MetricName,Dimensions,Unit,Value). "
          "Required.");
ABSL_FLAG(std::string, from, "", "First evaluation instant (ISO 8601 or Unix "
          "seconds); default: the minute of the first sample.");
ABSL_FLAG(std::string, to, "", "Last evaluation instant; default: the last "
          "sample plus the longest evaluation range.");
ABSL_FLAG(std::string, evaluate_at, "", "Comma-separated evaluation "
          "instants, replacing the schedule.");
ABSL_FLAG(std::string, initial_state, "", "STATE[:REASON]: the state set "
          "before the first evaluation (OK, ALARM, INSUFFICIENT_DATA).");
ABSL_FLAG(std::string, evaluation_range, "", "Evaluation range R in periods "
          "for every alarm (>= EvaluationPeriods).");
ABSL_FLAG(std::string, format, "json", "Output: json or text.");
ABSL_FLAG(std::string, series, "",
          "Series notation instead of --metrics, e.g. 'AWS/EC2 "
          "CPUUtilization{InstanceId=i-1} 10+5x12 _x3 90x10'; repeatable, or "
          "several separated by ';'.");
ABSL_FLAG(std::string, series_start, "", "Timestamp of the first value of "
          "each --series (default 2024-03-16T12:00:00Z).");
ABSL_FLAG(std::string, series_step, "60s", "Time between two values of a "
          "--series (10s, 60s, 5m, ...).");
ABSL_FLAG(std::string, plot, "", "Also write an SVG picture of the replay "
          "to this file.");
// --- tune (issue 9) ----------------------------------------------------------
ABSL_FLAG(std::string, threshold, "", "tune: thresholds to try, LO:HI:STEP.");
ABSL_FLAG(std::string, datapoints, "", "tune: DatapointsToAlarm/"
          "EvaluationPeriods pairs to try, M/N,M/N,... (default: the "
          "alarm's).");
ABSL_FLAG(std::string, alarm_name, "", "tune: the alarm to tune when the "
          "file has several.");
ABSL_FLAG(std::string, region, "us-east-1", "Region used in alarm ARNs.");
ABSL_FLAG(std::string, account_id, "123456789012", "Account id used in "
          "alarm ARNs.");
// --- SNS (issue 4) -----------------------------------------------------------
ABSL_FLAG(bool, print_notifications, false, "Print the SNS Publish calls "
          "(topic, subject, message) instead of the report; send nothing.");
ABSL_FLAG(std::string, sns_endpoint, "", "Publish SNS notifications to this "
          "endpoint (e.g. https://sns.us-east-1.amazonaws.com or "
          "http://127.0.0.1:4566).");
ABSL_FLAG(std::string, sns_outbox, "cwalarm_sns.outbox", "Durable outbox "
          "file for --sns-endpoint.");
ABSL_FLAG(std::string, sns_drain_timeout, "30s", "How long to wait for "
          "delivery before exiting (3 if notifications are still pending).");
ABSL_FLAG(std::string, sns_max_attempts, "10", "Attempts per notification.");
ABSL_FLAG(std::string, sns_max_total_time, "15m", "Retry time budget per "
          "notification.");
ABSL_FLAG(std::string, sns_initial_backoff, "1s", "First retry backoff.");
ABSL_FLAG(std::string, sns_max_backoff, "60s", "Largest retry backoff.");
ABSL_FLAG(std::string, sns_max_pending, "10000", "Outbox capacity "
          "(back-pressure beyond it).");

ABSL_FLAG(std::string, scaling_policies, "", "replay: put-scaling-policy "
          "JSON (one object or an array) of a simulated Auto Scaling group.");
ABSL_FLAG(std::string, group, "", "replay with --scaling-policies: "
          "min=N,max=N,desired=N[,launch=120s][,cooldown=300s]"
          "[,warmup=DURATION][,name=GROUP].");

namespace {

constexpr char kUsage[] =
    "usage: cwalarm replay --alarms=FILE --metrics=FILE [--from=TIME] "
    "[--to=TIME] [--evaluate-at=TIME,...] [--initial-state=STATE[:REASON]] "
    "[--evaluation-range=N] [--format=json|text] [--region=R] "
    "[--account-id=ID]\n"
    "       cwalarm replay --alarms=FILE --series='NS Metric{Dim=V} 10x5 _ "
    "90+1x3' [--series-start=TIME] [--series-step=60s] [--plot=FILE.svg] "
    "...\n"
    "       cwalarm tune --alarms=FILE --metrics=FILE --threshold=LO:HI:STEP "
    "[--datapoints=M/N,...] [--alarm-name=NAME] [--from/--to/--series...]\n"
    "       cwalarm lint --alarms=FILE [--metrics=FILE | --series=...]\n"
    "       cwalarm replay ... --scaling-policies=FILE "
    "--group=min=1,max=10,desired=2[,launch=120s][,cooldown=300s]";

int Fail(absl::string_view message) {
  std::cerr << message << "\n";
  return 2;
}

// `cwalarm tune` (tools/tune.h) with the replay options already parsed.
int TuneMain(const cwalarm::ReplayOptions& options) {
  cwalarm::TuneGrid grid;
  absl::Status s = cwalarm::ParseThresholdRange(absl::GetFlag(FLAGS_threshold),
                                                &grid);
  if (absl::GetFlag(FLAGS_threshold).empty()) {
    s = absl::InvalidArgumentError("--threshold=LO:HI:STEP is required");
  }
  if (s.ok() && !absl::GetFlag(FLAGS_datapoints).empty()) {
    s = cwalarm::ParseDatapointsList(absl::GetFlag(FLAGS_datapoints), &grid);
  }
  if (!s.ok()) return Fail(absl::StrCat(s.message(), "\n", kUsage));
  std::string out;
  s = cwalarm::RunTune(options, grid, absl::GetFlag(FLAGS_alarm_name), &out);
  if (!s.ok()) return Fail(s.message());
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 2;
}

// `cwalarm lint` (tools/lint.h): exit status 1 when there are warnings.
int LintMain(const cwalarm::ReplayOptions& options) {
  std::string out;
  int warnings = 0;
  absl::Status s = cwalarm::RunLint(options, &out, &warnings);
  if (!s.ok()) return Fail(s.message());
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return 2;
  return warnings > 0 ? 1 : 0;
}

// Rewrites `--evaluate-at=x` as `--evaluate_at=x` and checks that every flag
// exists, so that unknown flags are reported with exit status 2.
bool NormaliseFlags(std::vector<std::string>* args, std::string* error) {
  for (size_t i = 1; i < args->size(); ++i) {
    std::string& arg = (*args)[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    size_t name_begin = arg[1] == '-' ? 2 : 1;
    size_t name_end = arg.find('=');
    if (name_end == std::string::npos) name_end = arg.size();
    for (size_t k = name_begin; k < name_end; ++k) {
      if (arg[k] == '-') arg[k] = '_';
    }
    absl::string_view name(arg.data() + name_begin, name_end - name_begin);
    if (absl::FindCommandLineFlag(name) == nullptr &&
        !(absl::ConsumePrefix(&name, "no") &&
          absl::FindCommandLineFlag(name) != nullptr)) {
      *error = absl::StrCat("unknown flag: ", (*args)[i].substr(0, name_end));
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<std::string> args(argv, argv + argc);
  std::string error;
  if (!NormaliseFlags(&args, &error)) {
    return Fail(absl::StrCat(error, "\n", kUsage));
  }
  // --series may be repeated (absl keeps only the last value, and its list
  // flags split on commas, which dimensions use), so collect it here.
  std::vector<std::string> series;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;
    for (absl::string_view prefix : {"--series", "-series"}) {
      if (args[i] == prefix && i + 1 < args.size()) {
        series.push_back(args[i + 1]);
        args.erase(args.begin() + i, args.begin() + i + 2);
        --i;
        break;
      }
      if (absl::StartsWith(args[i], absl::StrCat(prefix, "="))) {
        series.push_back(args[i].substr(prefix.size() + 1));
        args.erase(args.begin() + i);
        --i;
        break;
      }
    }
  }
  std::vector<char*> cargs;
  for (std::string& a : args) cargs.push_back(a.data());
  std::vector<char*> positional =
      absl::ParseCommandLine(static_cast<int>(cargs.size()), cargs.data());

  if (positional.size() < 2) {
    return Fail(absl::StrCat("missing subcommand\n", kUsage));
  }
  const absl::string_view command = positional[1];
  if (command != "replay" && command != "tune" && command != "lint") {
    return Fail(absl::StrCat("unknown subcommand \"", positional[1],
                             "\"\n", kUsage));
  }
  if (positional.size() > 2) {
    return Fail(absl::StrCat("unexpected argument \"", positional[2], "\"\n",
                             kUsage));
  }

  cwalarm::ReplayOptions options;
  std::vector<std::string> problems;
  options.alarms_path = absl::GetFlag(FLAGS_alarms);
  options.metrics_path = absl::GetFlag(FLAGS_metrics);
  options.series = series;
  if (options.alarms_path.empty()) problems.push_back("--alarms is required");
  if (!options.metrics_path.empty() && !options.series.empty()) {
    problems.push_back("--metrics and --series exclude each other");
  } else if (options.metrics_path.empty() && options.series.empty() &&
             command != "lint") {
    problems.push_back("one of --metrics and --series is required");
  }
  if (std::string v = absl::GetFlag(FLAGS_series_step); !v.empty()) {
    absl::Duration step;
    if (absl::ParseDuration(v, &step) && step >= absl::Seconds(1) &&
        step % absl::Seconds(1) == absl::ZeroDuration()) {
      options.series_step = step;
    } else {
      problems.push_back(absl::StrCat("--series-step \"", v,
                                      "\": must be a whole number of seconds, "
                                      "like 10s, 60s or 5m"));
    }
  }
  options.plot_path = absl::GetFlag(FLAGS_plot);
  auto time_flag = [&](const std::string& value, const char* flag,
                       std::optional<absl::Time>* target) {
    if (value.empty()) return;
    absl::StatusOr<absl::Time> t = cwalarm::ParseTime(value);
    if (t.ok()) {
      *target = *t;
    } else {
      problems.push_back(absl::StrCat(flag, ": ", t.status().message()));
    }
  };
  time_flag(absl::GetFlag(FLAGS_from), "--from", &options.from);
  time_flag(absl::GetFlag(FLAGS_to), "--to", &options.to);
  time_flag(absl::GetFlag(FLAGS_series_start), "--series-start",
            &options.series_start);
  if (std::string v = absl::GetFlag(FLAGS_evaluate_at); !v.empty()) {
    absl::StatusOr<std::vector<absl::Time>> list = cwalarm::ParseTimeList(v);
    if (list.ok()) {
      options.evaluate_at = *list;
    } else {
      problems.push_back(std::string(list.status().message()));
    }
  }
  if (std::string v = absl::GetFlag(FLAGS_initial_state); !v.empty()) {
    absl::Status s = cwalarm::ParseInitialState(v, &options);
    if (!s.ok()) problems.push_back(std::string(s.message()));
  }
  if (std::string v = absl::GetFlag(FLAGS_evaluation_range); !v.empty()) {
    int r = 0;
    if (absl::SimpleAtoi(v, &r) && r >= 1) {
      options.evaluation_range = r;
    } else {
      problems.push_back(absl::StrCat("--evaluation-range \"", v,
                                      "\": must be a positive integer"));
    }
  }
  absl::StatusOr<cwalarm::ReplayOptions::Format> format =
      cwalarm::ParseFormat(absl::GetFlag(FLAGS_format));
  if (format.ok()) {
    options.format = *format;
  } else {
    problems.push_back(std::string(format.status().message()));
  }
  options.region = absl::GetFlag(FLAGS_region);
  options.account_id = absl::GetFlag(FLAGS_account_id);
  // --- SNS (issue 4) ---
  const bool print_notifications = absl::GetFlag(FLAGS_print_notifications);
  std::optional<cwalarm::SnsPublishingOptions> sns_options;
  if (std::string url = absl::GetFlag(FLAGS_sns_endpoint); !url.empty()) {
    if (print_notifications) {
      problems.push_back("--print-notifications and --sns-endpoint exclude "
                         "each other");
    }
    cwalarm::SnsPublishingOptions o;
    o.endpoint = url;
    o.outbox_path = absl::GetFlag(FLAGS_sns_outbox);
    auto duration = [&](const std::string& v, const char* flag,
                        absl::Duration* target) {
      if (!absl::ParseDuration(v, target) || *target < absl::ZeroDuration()) {
        problems.push_back(absl::StrCat(flag, " \"", v,
                                        "\": must be a duration like 0.5s, "
                                        "30s or 15m"));
      }
    };
    duration(absl::GetFlag(FLAGS_sns_drain_timeout), "--sns-drain-timeout",
             &o.drain_timeout);
    duration(absl::GetFlag(FLAGS_sns_max_total_time), "--sns-max-total-time",
             &o.retry.max_total_time);
    duration(absl::GetFlag(FLAGS_sns_initial_backoff),
             "--sns-initial-backoff", &o.retry.initial_backoff);
    duration(absl::GetFlag(FLAGS_sns_max_backoff), "--sns-max-backoff",
             &o.retry.max_backoff);
    auto count = [&](const std::string& v, const char* flag, int64_t* target) {
      if (!absl::SimpleAtoi(v, target) || *target < 1) {
        problems.push_back(
            absl::StrCat(flag, " \"", v, "\": must be a positive integer"));
      }
    };
    int64_t attempts = 0, pending = 0;
    count(absl::GetFlag(FLAGS_sns_max_attempts), "--sns-max-attempts",
          &attempts);
    count(absl::GetFlag(FLAGS_sns_max_pending), "--sns-max-pending", &pending);
    o.retry.max_attempts = static_cast<int>(attempts);
    o.max_pending = static_cast<size_t>(pending);
    o.on_line = [](const std::string& line) {
      std::fprintf(stderr, "%s\n", line.c_str());
      std::fflush(stderr);
    };
    sns_options = std::move(o);
  }
  if (!problems.empty()) {
    std::string message;
    for (const std::string& p : problems) absl::StrAppend(&message, p, "\n");
    absl::StrAppend(&message, kUsage);
    return Fail(message);
  }

  if (command == "tune") return TuneMain(options);
  if (command == "lint") return LintMain(options);

  // A progress bar for long replays, only when a person watches stderr.
  bool progress_shown = false;
  if (isatty(STDERR_FILENO)) {
    options.progress = [&progress_shown](size_t done, size_t total) {
      if (total < 2000) return;  // Short replays finish before it matters.
      constexpr int kBar = 40;
      int filled = static_cast<int>(kBar * done / total);
      std::fprintf(stderr, "\r[%s%s] %3d%% (%zu/%zu evaluations)",
                   std::string(filled, '#').c_str(),
                   std::string(kBar - filled, ' ').c_str(),
                   static_cast<int>(100 * done / total), done, total);
      std::fflush(stderr);
      progress_shown = true;
    };
  }
  std::string out;
  cwalarm::PrintingSnsSink printer;
  std::unique_ptr<cwalarm::SnsPublishing> sns;
  if (print_notifications) options.action_sink = &printer;
  if (sns_options.has_value()) {
    absl::StatusOr<std::unique_ptr<cwalarm::SnsPublishing>> created =
        cwalarm::SnsPublishing::Create(*sns_options);
    if (!created.ok()) return Fail(created.status().message());
    sns = std::move(*created);
    for (const std::string& c : sns->recovery().corrupted) {
      std::cerr << sns_options->outbox_path << ": " << c << "\n";
    }
    options.action_sink = sns->sink();
  }
  // --- Auto Scaling (issue 5) ---
  std::unique_ptr<cwalarm::ScalingReplay> scaling;
  if (std::string path = absl::GetFlag(FLAGS_scaling_policies);
      !path.empty() || !absl::GetFlag(FLAGS_group).empty()) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (path.empty() || !in) {
      return Fail(absl::StrCat("--scaling-policies \"", path,
                               "\": cannot read the file (--group needs it)"));
    }
    absl::StatusOr<std::unique_ptr<cwalarm::ScalingReplay>> created =
        cwalarm::ScalingReplay::Create(text.str(), absl::GetFlag(FLAGS_group));
    if (!created.ok()) return Fail(created.status().message());
    scaling = std::move(*created);
    options.action_sink = scaling->sink(options.action_sink);
  }
  absl::Status status = cwalarm::RunReplay(options, &out);
  if (status.ok() && print_notifications) out = printer.lines();
  if (status.ok() && scaling != nullptr) {
    absl::StrAppend(&out, scaling->Report(options.format));
  }
  if (progress_shown) std::fprintf(stderr, "\r%80s\r", "");
  if (!status.ok()) return Fail(status.message());
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (std::fflush(stdout) != 0) return 2;
  if (sns != nullptr) {
    std::string lines;
    absl::Status drained = sns->Finish(&lines);
    std::fputs(lines.c_str(), stderr);
    if (!drained.ok()) {
      std::cerr << drained.message() << "\n";
      return 3;
    }
  }
  return 0;
}
