// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0

#include "config/snapshot_io.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "config/snapshot.pb.h"
#include "config/snapshot_file.h"

namespace cwalarm {
namespace {

namespace pb = ::cwalarm::config;

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
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> SerializeEvaluatorState(
    const MetricStore& store, const AlarmEvaluator& evaluator) {
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
  for (const AlarmHistoryItem& h : state.history) {
    pb::HistoryItem* ph = snap.add_history();
    ph->set_alarm_name(h.alarm_name);
    ph->set_alarm_type(h.alarm_type);
    ph->set_timestamp_ns(ToNs(h.timestamp));
    ph->set_type(static_cast<int>(h.type));
    ph->set_summary(h.summary);
    ph->set_data(h.data);
  }
  std::string out;
  if (!snap.SerializeToString(&out)) {
    return absl::InternalError("snapshot: protobuf serialization failed");
  }
  return out;
}

absl::StatusOr<RestoredEvaluator> DeserializeEvaluatorState(
    absl::string_view bytes, ActionSink* sink, EvaluatorOptions options) {
  pb::EvaluatorSnapshot snap;
  if (!snap.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        "snapshot: the payload is not an EvaluatorSnapshot message");
  }
  if (snap.schema_version() != kSnapshotSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot: schema version ", snap.schema_version(),
        " is not supported (this build reads ", kSnapshotSchemaVersion, ")"));
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
    h.alarm_name = ph.alarm_name();
    h.alarm_type = ph.alarm_type();
    h.timestamp = FromNs(ph.timestamp_ns());
    if (!Enum(ph.type(), kHistoryItemTypeCount, &h.type)) {
      return Bad("history item type");
    }
    h.summary = ph.summary();
    h.data = ph.data();
    state.history.push_back(std::move(h));
  }

  RestoredEvaluator out;
  out.store = std::make_unique<MetricStore>();
  absl::Status s = out.store->ImportState(std::move(metrics));
  if (!s.ok()) return s;
  out.evaluator =
      std::make_unique<AlarmEvaluator>(out.store.get(), sink, std::move(options));
  s = out.evaluator->ImportState(std::move(state));
  if (!s.ok()) return s;
  return out;
}

absl::Status SaveSnapshot(absl::string_view path, const MetricStore& store,
                          const AlarmEvaluator& evaluator) {
  absl::StatusOr<std::string> bytes = SerializeEvaluatorState(store, evaluator);
  if (!bytes.ok()) return bytes.status();
  return WriteSnapshotFile(path, *bytes);
}

absl::StatusOr<RestoredEvaluator> RestoreSnapshot(absl::string_view path,
                                                  ActionSink* sink,
                                                  EvaluatorOptions options) {
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
