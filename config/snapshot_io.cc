// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "config/snapshot_io.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "config/snapshot.pb.h"
#include "alarm/composite_alarm.h"
#include "alarm/state_reason.h"
#include "config/snapshot_file.h"
#include "metrics/sample_distribution.h"

namespace cwalarm {
namespace {

namespace pb = ::cwalarm::snapshot;

// Exact: nanoseconds since the epoch, with the infinities at the extremes.
int64_t ToNs(absl::Time t) {
  if (t == absl::InfinitePast()) return INT64_MIN;
  if (t == absl::InfiniteFuture()) return INT64_MAX;
  return absl::ToUnixNanos(t);
}

absl::Time FromNs(int64_t ns) {
  if (ns == INT64_MIN) return absl::InfinitePast();
  if (ns == INT64_MAX) return absl::InfiniteFuture();
  return absl::FromUnixNanos(ns);
}

void ToProto(const MetricId& id, pb::MetricId* out) {
  out->set_namespace_(id.metric_namespace);
  out->set_metric_name(id.metric_name);
  for (const Dimension& d : id.dimensions) {
    pb::Dimension* pd = out->add_dimensions();
    pd->set_name(d.name);
    pd->set_value(d.value);
  }
}

MetricId FromProto(const pb::MetricId& p) {
  MetricId id;
  id.metric_namespace = p.namespace_();
  id.metric_name = p.metric_name();
  for (const pb::Dimension& d : p.dimensions()) {
    id.dimensions.push_back({d.name(), d.value()});
  }
  return id;
}

void ToProto(const AlarmSpec& s, pb::AlarmSpec* out) {
  out->set_alarm_name(s.alarm_name);
  if (s.alarm_description) out->set_alarm_description(*s.alarm_description);
  out->set_actions_enabled(s.actions_enabled);
  for (const auto& a : s.ok_actions) out->add_ok_actions(a);
  for (const auto& a : s.alarm_actions) out->add_alarm_actions(a);
  for (const auto& a : s.insufficient_data_actions) {
    out->add_insufficient_data_actions(a);
  }
  ToProto(s.metric, out->mutable_metric());
  if (s.statistic) out->set_statistic(static_cast<int>(*s.statistic));
  if (s.extended_statistic) out->set_extended_statistic(*s.extended_statistic);
  out->set_period_seconds(absl::ToInt64Seconds(s.period));
  if (s.unit) out->set_unit(static_cast<int>(*s.unit));
  out->set_evaluation_periods(s.evaluation_periods);
  if (s.datapoints_to_alarm) out->set_datapoints_to_alarm(*s.datapoints_to_alarm);
  if (s.threshold) out->set_threshold(*s.threshold);
  out->set_comparison_operator(static_cast<int>(s.comparison_operator));
  if (s.treat_missing_data) {
    out->set_treat_missing_data(static_cast<int>(*s.treat_missing_data));
  }
  if (s.evaluate_low_sample_count_percentile) {
    out->set_evaluate_low_sample_count_percentile(
        *s.evaluate_low_sample_count_percentile);
  }
  if (s.evaluation_range) out->set_evaluation_range(*s.evaluation_range);
  for (const Tag& t : s.tags) {
    pb::Tag* pt = out->add_tags();
    pt->set_key(t.key);
    pt->set_value(t.value);
  }
  for (const MetricDataQuery& q : s.metrics) {
    pb::MetricDataQuery* pq = out->add_metrics();
    pq->set_id(q.id);
    if (q.metric_stat) {
      pb::MetricStat* ps = pq->mutable_metric_stat();
      ToProto(q.metric_stat->metric, ps->mutable_metric());
      ps->set_period_ns(absl::ToInt64Nanoseconds(q.metric_stat->period));
      ps->set_stat(q.metric_stat->stat);
      if (q.metric_stat->unit) {
        ps->set_unit(static_cast<int>(*q.metric_stat->unit));
      }
    }
    if (q.expression) pq->set_expression(*q.expression);
    if (q.label) pq->set_label(*q.label);
    if (q.return_data) pq->set_return_data(*q.return_data);
    if (q.period) pq->set_period_ns(absl::ToInt64Nanoseconds(*q.period));
    if (q.account_id) pq->set_account_id(*q.account_id);
  }
  if (s.threshold_metric_id) out->set_threshold_metric_id(*s.threshold_metric_id);
}

// An enum value read back, refused when outside [0, count).
template <typename E>
bool Enum(int32_t v, int count, E* out) {
  if (v < 0 || v >= count) return false;
  *out = static_cast<E>(v);
  return true;
}

constexpr int kStatisticCount = 5;
constexpr int kComparisonOperatorCount = 7;
constexpr int kTreatMissingDataCount = 4;
constexpr int kAlarmStateCount = 3;
constexpr int kHistoryItemTypeCount = 3;
constexpr int kReasonFormCount = 3;
constexpr int kUnavailabilityCount = 3;
constexpr int kActionsSuppressedByCount = 4;

absl::Status Bad(absl::string_view what) {
  return absl::DataLossError(
      absl::StrCat("snapshot: ", what, " is out of range (damaged snapshot)"));
}

absl::Status FromProto(const pb::AlarmSpec& p, AlarmSpec* s) {
  s->alarm_name = p.alarm_name();
  if (p.has_alarm_description()) s->alarm_description = p.alarm_description();
  s->actions_enabled = p.actions_enabled();
  s->ok_actions.assign(p.ok_actions().begin(), p.ok_actions().end());
  s->alarm_actions.assign(p.alarm_actions().begin(), p.alarm_actions().end());
  s->insufficient_data_actions.assign(p.insufficient_data_actions().begin(),
                                      p.insufficient_data_actions().end());
  s->metric = FromProto(p.metric());
  if (p.has_statistic()) {
    Statistic v;
    if (!Enum(p.statistic(), kStatisticCount, &v)) return Bad("statistic");
    s->statistic = v;
  }
  if (p.has_extended_statistic()) s->extended_statistic = p.extended_statistic();
  s->period = absl::Seconds(p.period_seconds());
  if (p.has_unit()) {
    Unit v;
    if (!Enum(p.unit(), kUnitCount, &v)) return Bad("unit");
    s->unit = v;
  }
  s->evaluation_periods = p.evaluation_periods();
  if (p.has_datapoints_to_alarm()) s->datapoints_to_alarm = p.datapoints_to_alarm();
  if (p.has_threshold()) s->threshold = p.threshold();
  if (!Enum(p.comparison_operator(), kComparisonOperatorCount,
            &s->comparison_operator)) {
    return Bad("comparison_operator");
  }
  if (p.has_treat_missing_data()) {
    TreatMissingData v;
    if (!Enum(p.treat_missing_data(), kTreatMissingDataCount, &v)) {
      return Bad("treat_missing_data");
    }
    s->treat_missing_data = v;
  }
  if (p.has_evaluate_low_sample_count_percentile()) {
    s->evaluate_low_sample_count_percentile =
        p.evaluate_low_sample_count_percentile();
  }
  if (p.has_evaluation_range()) s->evaluation_range = p.evaluation_range();
  for (const pb::Tag& t : p.tags()) s->tags.push_back({t.key(), t.value()});
  for (const pb::MetricDataQuery& pq : p.metrics()) {
    MetricDataQuery q;
    q.id = pq.id();
    if (pq.has_metric_stat()) {
      const pb::MetricStat& ps = pq.metric_stat();
      MetricStat stat;
      stat.metric = FromProto(ps.metric());
      stat.period = absl::Nanoseconds(ps.period_ns());
      stat.stat = ps.stat();
      if (ps.has_unit()) {
        Unit v;
        if (!Enum(ps.unit(), kUnitCount, &v)) return Bad("MetricStat unit");
        stat.unit = v;
      }
      q.metric_stat = std::move(stat);
    }
    if (pq.has_expression()) q.expression = pq.expression();
    if (pq.has_label()) q.label = pq.label();
    if (pq.has_return_data()) q.return_data = pq.return_data();
    if (pq.has_period_ns()) q.period = absl::Nanoseconds(pq.period_ns());
    if (pq.has_account_id()) q.account_id = pq.account_id();
    s->metrics.push_back(std::move(q));
  }
  if (p.has_threshold_metric_id()) s->threshold_metric_id = p.threshold_metric_id();
  return absl::OkStatus();
}

void ToProto(const AlarmHistoryItem& h, pb::HistoryItem* ph) {
  ph->set_alarm_name(h.alarm_name);
  ph->set_alarm_type(h.alarm_type);
  ph->set_timestamp_ns(ToNs(h.timestamp));
  ph->set_type(static_cast<int>(h.type));
  ph->set_summary(h.summary);
  ph->set_data(h.data);
}

absl::Status FromProto(const pb::HistoryItem& ph, AlarmHistoryItem* h) {
  h->alarm_name = ph.alarm_name();
  h->alarm_type = ph.alarm_type();
  h->timestamp = FromNs(ph.timestamp_ns());
  if (!Enum(ph.type(), kHistoryItemTypeCount, &h->type)) {
    return Bad("history item type");
  }
  h->summary = ph.summary();
  h->data = ph.data();
  return absl::OkStatus();
}

void ToProto(const SampleDistribution& d, pb::SampleDistribution* out) {
  SampleDistribution::State s = d.ExportState();
  out->set_total_weight(s.total_weight);
  out->set_minimum(s.minimum);
  out->set_maximum(s.maximum);
  out->set_unavailability(static_cast<int>(s.unavailability));
  out->set_sketch(s.sketch);
  for (const WeightedValue& v : s.exact) {
    out->add_exact_values(v.value);
    out->add_exact_weights(v.weight);
  }
  for (double c : s.counts) out->add_counts(c);
  out->set_offset(s.offset);
  out->set_zero_weight(s.zero_weight);
}

absl::Status FromProto(const pb::SampleDistribution& p,
                       SampleDistribution* out) {
  SampleDistribution::State s;
  s.total_weight = p.total_weight();
  s.minimum = p.minimum();
  s.maximum = p.maximum();
  if (!Enum(p.unavailability(), kUnavailabilityCount, &s.unavailability)) {
    return Bad("sample distribution unavailability");
  }
  s.sketch = p.sketch();
  if (p.exact_values_size() != p.exact_weights_size()) {
    return absl::DataLossError(
        "snapshot: exact sample arrays of different lengths (damaged "
        "snapshot)");
  }
  for (int i = 0; i < p.exact_values_size(); ++i) {
    s.exact.push_back(WeightedValue{p.exact_values(i), p.exact_weights(i)});
  }
  s.counts.assign(p.counts().begin(), p.counts().end());
  s.offset = p.offset();
  s.zero_weight = p.zero_weight();
  std::string error;
  if (!SampleDistribution::FromState(std::move(s), out, &error)) {
    return absl::DataLossError(absl::StrCat(
        "snapshot: sample distribution: ", error, " (damaged snapshot)"));
  }
  return absl::OkStatus();
}

void ToProto(const CompositeAlarmSpec& s, pb::CompositeAlarmSpec* out) {
  out->set_alarm_name(s.alarm_name);
  if (s.alarm_description) out->set_alarm_description(*s.alarm_description);
  out->set_alarm_rule(s.alarm_rule);
  out->set_actions_enabled(s.actions_enabled);
  for (const auto& a : s.ok_actions) out->add_ok_actions(a);
  for (const auto& a : s.alarm_actions) out->add_alarm_actions(a);
  for (const auto& a : s.insufficient_data_actions) {
    out->add_insufficient_data_actions(a);
  }
  if (s.actions_suppressor) out->set_actions_suppressor(*s.actions_suppressor);
  if (s.actions_suppressor_wait_period) {
    out->set_actions_suppressor_wait_period_ns(
        absl::ToInt64Nanoseconds(*s.actions_suppressor_wait_period));
  }
  if (s.actions_suppressor_extension_period) {
    out->set_actions_suppressor_extension_period_ns(
        absl::ToInt64Nanoseconds(*s.actions_suppressor_extension_period));
  }
  for (const Tag& t : s.tags) {
    pb::Tag* pt = out->add_tags();
    pt->set_key(t.key);
    pt->set_value(t.value);
  }
}

CompositeAlarmSpec FromProto(const pb::CompositeAlarmSpec& p) {
  CompositeAlarmSpec s;
  s.alarm_name = p.alarm_name();
  if (p.has_alarm_description()) s.alarm_description = p.alarm_description();
  s.alarm_rule = p.alarm_rule();
  s.actions_enabled = p.actions_enabled();
  s.ok_actions.assign(p.ok_actions().begin(), p.ok_actions().end());
  s.alarm_actions.assign(p.alarm_actions().begin(), p.alarm_actions().end());
  s.insufficient_data_actions.assign(p.insufficient_data_actions().begin(),
                                     p.insufficient_data_actions().end());
  if (p.has_actions_suppressor()) s.actions_suppressor = p.actions_suppressor();
  if (p.has_actions_suppressor_wait_period_ns()) {
    s.actions_suppressor_wait_period =
        absl::Nanoseconds(p.actions_suppressor_wait_period_ns());
  }
  if (p.has_actions_suppressor_extension_period_ns()) {
    s.actions_suppressor_extension_period =
        absl::Nanoseconds(p.actions_suppressor_extension_period_ns());
  }
  for (const pb::Tag& t : p.tags()) s.tags.push_back({t.key(), t.value()});
  return s;
}

void ToProto(const CompositeEvaluator::State& state, pb::CompositeState* out) {
  out->set_region(state.options.region);
  out->set_account_id(state.options.account_id);
  for (const CompositeEvaluator::NodeState& n : state.nodes) {
    pb::CompositeNode* pn = out->add_nodes();
    pn->set_key(n.key);
    pn->set_state(static_cast<int>(n.state));
    pn->set_since_ns(ToNs(n.since));
    pn->set_composite(n.composite);
    for (const std::string& p : n.parents) pn->add_parents(p);
    for (const std::string& p : n.suppresses) pn->add_suppresses(p);
  }
  for (const CompositeEvaluator::CompositeState& c : state.composites) {
    pb::CompositeAlarm* pc = out->add_composites();
    ToProto(c.spec, pc->mutable_spec());
    pc->set_state(static_cast<int>(c.status.state));
    pc->set_reason(c.status.reason);
    pc->set_reason_data(c.status.reason_data);
    pc->set_state_updated_ns(ToNs(c.status.state_updated));
    pc->set_state_transitioned_ns(ToNs(c.status.state_transitioned));
    pc->set_previous_state(static_cast<int>(c.previous_state));
    pc->set_suppression_mode(static_cast<int>(c.suppression.mode));
    pc->set_suppression_until_ns(ToNs(c.suppression.until));
    pc->set_suppression_announced(static_cast<int>(c.suppression.announced));
    pc->set_configuration_updated_ns(ToNs(c.configuration_updated));
  }
  for (const AlarmHistoryItem& h : state.history) ToProto(h, out->add_history());
  out->set_now_ns(ToNs(state.now));
}

absl::Status FromProto(const pb::CompositeState& p,
                       CompositeEvaluator::State* state) {
  state->options.region = p.region();
  state->options.account_id = p.account_id();
  for (const pb::CompositeNode& pn : p.nodes()) {
    CompositeEvaluator::NodeState n;
    n.key = pn.key();
    if (!Enum(pn.state(), kAlarmStateCount, &n.state)) {
      return Bad("composite node state");
    }
    n.since = FromNs(pn.since_ns());
    n.composite = pn.composite();
    n.parents.assign(pn.parents().begin(), pn.parents().end());
    n.suppresses.assign(pn.suppresses().begin(), pn.suppresses().end());
    state->nodes.push_back(std::move(n));
  }
  for (const pb::CompositeAlarm& pc : p.composites()) {
    CompositeEvaluator::CompositeState c;
    c.spec = FromProto(pc.spec());
    if (!Enum(pc.state(), kAlarmStateCount, &c.status.state) ||
        !Enum(pc.previous_state(), kAlarmStateCount, &c.previous_state) ||
        !Enum(pc.suppression_announced(), kAlarmStateCount,
              &c.suppression.announced)) {
      return Bad("composite alarm state");
    }
    if (!Enum(pc.suppression_mode(), kActionsSuppressedByCount,
              &c.suppression.mode)) {
      return Bad("composite suppression mode");
    }
    c.status.reason = pc.reason();
    c.status.reason_data = pc.reason_data();
    c.status.state_updated = FromNs(pc.state_updated_ns());
    c.status.state_transitioned = FromNs(pc.state_transitioned_ns());
    c.suppression.until = FromNs(pc.suppression_until_ns());
    c.configuration_updated = FromNs(pc.configuration_updated_ns());
    state->composites.push_back(std::move(c));
  }
  for (const pb::HistoryItem& ph : p.history()) {
    AlarmHistoryItem h;
    absl::Status s = FromProto(ph, &h);
    if (!s.ok()) return s;
    state->history.push_back(std::move(h));
  }
  state->now = FromNs(p.now_ns());
  return absl::OkStatus();
}

// The first field in which `a` (given) and `b` (saved) differ, or "".
std::string OptionsDiffer(const EvaluatorOptions& a, const EvaluatorOptions& b) {
  if (a.region != b.region) return "region";
  if (a.account_id != b.account_id) return "account_id";
  if (a.evaluation_range != b.evaluation_range) return "evaluation_range";
  if (a.reason_form != b.reason_form) return "reason_form";
  const AnomalyModelOptions& x = a.anomaly_model;
  const AnomalyModelOptions& y = b.anomaly_model;
  if (x.training_window_seconds != y.training_window_seconds ||
      x.retrain_interval_seconds != y.retrain_interval_seconds ||
      x.min_datapoints != y.min_datapoints ||
      x.min_history_seconds != y.min_history_seconds ||
      x.level_window_seconds != y.level_window_seconds ||
      x.spread_floor_relative != y.spread_floor_relative ||
      x.spread_floor_absolute != y.spread_floor_absolute ||
      x.excluded.size() != y.excluded.size()) {
    return "anomaly_model";
  }
  return "";
}

void ToProto(const AnomalyModelOptions& o, pb::AnomalyModelOptions* out) {
  out->set_training_window_seconds(o.training_window_seconds);
  out->set_retrain_interval_seconds(o.retrain_interval_seconds);
  out->set_min_datapoints(o.min_datapoints);
  out->set_min_history_seconds(o.min_history_seconds);
  out->set_level_window_seconds(o.level_window_seconds);
  out->set_spread_floor_relative(o.spread_floor_relative);
  out->set_spread_floor_absolute(o.spread_floor_absolute);
}

AnomalyModelOptions FromProto(const pb::AnomalyModelOptions& p) {
  AnomalyModelOptions o;
  o.training_window_seconds = p.training_window_seconds();
  o.retrain_interval_seconds = p.retrain_interval_seconds();
  o.min_datapoints = p.min_datapoints();
  o.min_history_seconds = p.min_history_seconds();
  o.level_window_seconds = p.level_window_seconds();
  o.spread_floor_relative = p.spread_floor_relative();
  o.spread_floor_absolute = p.spread_floor_absolute();
  return o;
}

void ToProto(const AnomalyDetectorSpec& d, pb::AnomalyDetector* out) {
  ToProto(d.metric, out->mutable_metric());
  out->set_stat(d.stat);
  for (const AnomalyDetectorSpec::TimeRange& r : d.excluded_time_ranges) {
    out->add_excluded_start_ns(ToNs(r.start));
    out->add_excluded_end_ns(ToNs(r.end));
  }
  if (d.metric_timezone.has_value()) out->set_metric_timezone(*d.metric_timezone);
}

absl::Status FromProto(const pb::AnomalyDetector& p, AnomalyDetectorSpec* d) {
  if (p.excluded_start_ns_size() != p.excluded_end_ns_size()) {
    return Bad("anomaly detector excluded ranges");
  }
  d->metric = FromProto(p.metric());
  d->stat = p.stat();
  for (int i = 0; i < p.excluded_start_ns_size(); ++i) {
    d->excluded_time_ranges.push_back(
        {FromNs(p.excluded_start_ns(i)), FromNs(p.excluded_end_ns(i))});
  }
  if (p.has_metric_timezone()) d->metric_timezone = p.metric_timezone();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> SerializeEvaluatorState(
    const MetricStore& store, const AlarmEvaluator& evaluator,
    const CompositeEvaluator* composites) {
  absl::StatusOr<std::vector<MetricStore::MetricState>> metrics =
      store.ExportState();
  if (!metrics.ok()) return metrics.status();
  AlarmEvaluator::State state = evaluator.ExportState();

  pb::EvaluatorSnapshot snap;
  snap.set_schema_version(kSnapshotSchemaVersion);
  for (const MetricStore::MetricState& m : *metrics) {
    pb::MetricState* pm = snap.add_metrics();
    ToProto(m.id, pm->mutable_id());
    for (const MetricStore::UnitCellsState& u : m.units) {
      pb::UnitCells* pu = pm->add_units();
      pu->set_unit(static_cast<int>(u.unit));
      for (size_t i = 0; i < u.starts.size(); ++i) {
        pu->add_starts(u.starts[i]);
        pu->add_sample_count(u.sets[i].sample_count);
        pu->add_sum(u.sets[i].sum);
        pu->add_minimum(u.sets[i].minimum);
        pu->add_maximum(u.sets[i].maximum);
      }
    }
    pm->set_samples_enabled(m.samples_enabled);
    for (const MetricStore::UnitSamplesState& u : m.sample_units) {
      pb::UnitSamples* pu = pm->add_sample_units();
      pu->set_unit(static_cast<int>(u.unit));
      for (size_t i = 0; i < u.starts.size(); ++i) {
        pu->add_starts(u.starts[i]);
        ToProto(u.cells[i], pu->add_cells());
      }
    }
  }
  for (const AlarmEvaluator::AlarmSlotState& s : state.slots) {
    pb::AlarmSlot* ps = snap.add_slots();
    ps->set_live(s.live);
    if (!s.live) continue;
    ToProto(s.spec, ps->mutable_spec());
    ps->set_state(static_cast<int>(s.status.state));
    ps->set_reason(s.status.reason);
    ps->set_reason_data(s.status.reason_data);
    ps->set_state_updated_ns(ToNs(s.status.state_updated));
    ps->set_state_transitioned_ns(ToNs(s.status.state_transitioned));
    ps->set_configuration_updated_ns(ToNs(s.configuration_updated));
    ps->set_last_scaling_invocation_ns(ToNs(s.last_scaling_invocation));
    ps->set_last_slot(s.last_slot);
  }
  for (uint32_t f : state.free_slots) snap.add_free_slots(f);
  for (const AlarmHistoryItem& h : state.history) ToProto(h, snap.add_history());
  for (const AnomalyDetectorSpec& d : state.anomaly_detectors) {
    ToProto(d, snap.add_anomaly_detectors());
  }
  const EvaluatorOptions& options = evaluator.options();
  pb::EvaluatorOptions* po = snap.mutable_options();
  po->set_region(options.region);
  po->set_account_id(options.account_id);
  if (options.evaluation_range) {
    po->set_evaluation_range(*options.evaluation_range);
  }
  po->set_reason_form(static_cast<int>(options.reason_form));
  ToProto(options.anomaly_model, po->mutable_anomaly_model());
  if (composites != nullptr) {
    ToProto(composites->ExportState(), snap.mutable_composites());
  }
  std::string out;
  if (!snap.SerializeToString(&out)) {
    return absl::InternalError("snapshot: protobuf serialization failed");
  }
  return out;
}

absl::StatusOr<RestoredEvaluator> DeserializeEvaluatorState(
    absl::string_view bytes, ActionSink* sink,
    std::optional<EvaluatorOptions> given) {
  pb::EvaluatorSnapshot snap;
  if (!snap.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        "snapshot: the payload is not an EvaluatorSnapshot message");
  }
  if (snap.schema_version() < kOldestSnapshotSchemaVersion ||
      snap.schema_version() > kSnapshotSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot: schema version ", snap.schema_version(),
        " is not supported (this build reads ", kOldestSnapshotSchemaVersion,
        " to ", kSnapshotSchemaVersion, ")"));
  }
  // Version 1 saved no options: the caller's, or the defaults.
  EvaluatorOptions options = given.value_or(EvaluatorOptions{});
  if (snap.schema_version() >= 2) {
    const pb::EvaluatorOptions& po = snap.options();
    EvaluatorOptions saved;
    saved.region = po.region();
    saved.account_id = po.account_id();
    if (po.has_evaluation_range()) saved.evaluation_range = po.evaluation_range();
    if (!Enum(po.reason_form(), kReasonFormCount, &saved.reason_form)) {
      return Bad("reason_form option");
    }
    if (po.has_anomaly_model()) {
      saved.anomaly_model = FromProto(po.anomaly_model());
      absl::Status valid = ValidateAnomalyModelOptions(saved.anomaly_model);
      if (!valid.ok()) return Bad(absl::StrCat("anomaly_model option: ", valid.message()));
    }
    if (given.has_value()) {
      const std::string field = OptionsDiffer(*given, saved);
      if (!field.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "snapshot: EvaluatorOptions.", field,
            " differs from the one the snapshot was taken with (a restore "
            "continues the saved evaluator; omit the options to use the "
            "saved ones)"));
      }
    }
    options = std::move(saved);
  }
  std::vector<MetricStore::MetricState> metrics;
  for (const pb::MetricState& pm : snap.metrics()) {
    MetricStore::MetricState m;
    m.id = FromProto(pm.id());
    for (const pb::UnitCells& pu : pm.units()) {
      MetricStore::UnitCellsState u;
      if (!Enum(pu.unit(), kUnitCount, &u.unit)) return Bad("cell unit");
      const int n = pu.starts_size();
      if (pu.sample_count_size() != n || pu.sum_size() != n ||
          pu.minimum_size() != n || pu.maximum_size() != n) {
        return absl::DataLossError(
            "snapshot: cell arrays of different lengths (damaged snapshot)");
      }
      for (int i = 0; i < n; ++i) {
        u.starts.push_back(pu.starts(i));
        u.sets.push_back(StatisticSet{pu.sample_count(i), pu.sum(i),
                                      pu.minimum(i), pu.maximum(i)});
      }
      m.units.push_back(std::move(u));
    }
    m.samples_enabled = pm.samples_enabled();
    for (const pb::UnitSamples& pu : pm.sample_units()) {
      MetricStore::UnitSamplesState u;
      if (!Enum(pu.unit(), kUnitCount, &u.unit)) return Bad("sample cell unit");
      if (pu.cells_size() != pu.starts_size()) {
        return absl::DataLossError(
            "snapshot: raw-sample arrays of different lengths (damaged "
            "snapshot)");
      }
      u.starts.assign(pu.starts().begin(), pu.starts().end());
      u.cells.resize(static_cast<size_t>(pu.cells_size()));
      for (int i = 0; i < pu.cells_size(); ++i) {
        absl::Status st = FromProto(pu.cells(i), &u.cells[static_cast<size_t>(i)]);
        if (!st.ok()) return st;
      }
      m.sample_units.push_back(std::move(u));
    }
    metrics.push_back(std::move(m));
  }
  AlarmEvaluator::State state;
  for (const pb::AlarmSlot& ps : snap.slots()) {
    AlarmEvaluator::AlarmSlotState s;
    s.live = ps.live();
    if (s.live) {
      absl::Status st = FromProto(ps.spec(), &s.spec);
      if (!st.ok()) return st;
      if (!Enum(ps.state(), kAlarmStateCount, &s.status.state)) {
        return Bad("alarm state");
      }
      s.status.reason = ps.reason();
      s.status.reason_data = ps.reason_data();
      s.status.state_updated = FromNs(ps.state_updated_ns());
      s.status.state_transitioned = FromNs(ps.state_transitioned_ns());
      s.configuration_updated = FromNs(ps.configuration_updated_ns());
      s.last_scaling_invocation = FromNs(ps.last_scaling_invocation_ns());
      s.last_slot = ps.last_slot();
    }
    state.slots.push_back(std::move(s));
  }
  state.free_slots.assign(snap.free_slots().begin(), snap.free_slots().end());
  for (const pb::HistoryItem& ph : snap.history()) {
    AlarmHistoryItem h;
    absl::Status st = FromProto(ph, &h);
    if (!st.ok()) return st;
    state.history.push_back(std::move(h));
  }
  for (const pb::AnomalyDetector& pd : snap.anomaly_detectors()) {
    AnomalyDetectorSpec d;
    absl::Status st = FromProto(pd, &d);
    if (!st.ok()) return st;
    state.anomaly_detectors.push_back(std::move(d));
  }
  std::optional<CompositeEvaluator::State> composite_state;
  if (snap.has_composites()) {
    composite_state.emplace();
    absl::Status st = FromProto(snap.composites(), &*composite_state);
    if (!st.ok()) return st;
  }

  RestoredEvaluator out;
  out.store = std::make_unique<MetricStore>();
  absl::Status s = out.store->ImportState(std::move(metrics));
  if (!s.ok()) return s;
  out.evaluator =
      std::make_unique<AlarmEvaluator>(out.store.get(), sink, std::move(options));
  s = out.evaluator->ImportState(std::move(state));
  if (!s.ok()) return s;
  if (composite_state.has_value()) {
    CompositeEvaluatorOptions composite_options;
    composite_options.region = composite_state->options.region;
    composite_options.account_id = composite_state->options.account_id;
    out.composites =
        std::make_unique<CompositeEvaluator>(sink, std::move(composite_options));
    s = out.composites->ImportState(*std::move(composite_state));
    if (!s.ok()) return s;
  }
  return out;
}

absl::Status SaveSnapshot(absl::string_view path, const MetricStore& store,
                          const AlarmEvaluator& evaluator,
                          const CompositeEvaluator* composites) {
  absl::StatusOr<std::string> bytes =
      SerializeEvaluatorState(store, evaluator, composites);
  if (!bytes.ok()) return bytes.status();
  return WriteSnapshotFile(path, *bytes);
}

absl::StatusOr<RestoredEvaluator> RestoreSnapshot(absl::string_view path,
                                                  ActionSink* sink,
                                                  std::optional<EvaluatorOptions> options) {
  absl::StatusOr<std::string> bytes = ReadSnapshotFile(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<RestoredEvaluator> r =
      DeserializeEvaluatorState(*bytes, sink, std::move(options));
  if (!r.ok()) {
    return absl::Status(r.status().code(),
                        absl::StrCat(path, ": ", r.status().message()));
  }
  return r;
}

}  // namespace cwalarm
