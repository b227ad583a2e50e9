// Copyright 2026 The cwalarm Authors. SPDX-License-Identifier: Apache-2.0
//
// The decision procedure of one evaluation (spec 3.4): from the evaluation
// range's buckets, each missing or a (non-)breaching datapoint, to the state
// CloudWatch proposes.
//
// Pure and allocation-free: it sees only which buckets hold a datapoint and
// whether it breaches, plus N, M and the effective TreatMissingData; "keep
// the current state" is returned as a nullopt state. The caller (AlarmEvaluator) fetches the buckets and builds
// the reason text only when the state changes.
//
//   BucketVerdict range[5] = {kMissing, kMissing, kBreaching, kMissing, kMissing};
//   Decision d = Decide(range, /*n=*/3, /*m=*/3, TreatMissingData::kMissing);
//   // d.state == AlarmState::kAlarm, d.basis == DecisionBasis::kPrematureAlarm
//
// Thread-safety: pure function.

#ifndef CWALARM_ALARM_EVALUATION_WINDOW_H_
#define CWALARM_ALARM_EVALUATION_WINDOW_H_

#include <cstdint>
#include <optional>

#include "absl/types/span.h"
#include "alarm/alarm_state.h"
#include "alarm/threshold.h"

namespace cwalarm {

// One bucket of the evaluation range as the decision sees it.
enum class BucketVerdict : uint8_t {
  kMissing,       // No datapoint (no sample, or excluded by unit).
  kNotBreaching,  // A datapoint that does not breach.
  kBreaching,     // A datapoint that breaches.
};

// Which branch of spec 3.4 decided.
enum class DecisionBasis : uint8_t {
  kRealData,        // Step 1: at least N real datapoints.
  kFilled,          // Step 3, breaching / notBreaching fill-ins.
  kNoData,          // missing/ignore with no real datapoint in the range.
  kPartialData,     // missing/ignore with 1..N-1 real datapoints.
  kPrematureAlarm,  // missing/ignore: the "premature alarm" rule.
};

struct Decision {
  // The proposed state; nullopt means "keep the current state" (ignore).
  std::optional<AlarmState> state;
  DecisionBasis basis = DecisionBasis::kRealData;
  // How many real datapoints took part: always the `used_real` most recent
  // real datapoints of the range (N in step 1, all of them otherwise).
  int used_real = 0;
  // Synthetic datapoints added by breaching / notBreaching (F of step 2).
  int fill_count = 0;
  // B(S): breaching datapoints among those that took part, fills included.
  int breaching = 0;
};

// Runs spec 3.4 over `range` (oldest first; its size is the evaluation range
// R, the newest bucket last, of age 1). Preconditions: 1 <= m <= n <= R.
// `tmd` is the effective treatment (AWS/DynamoDB already mapped to ignore).
Decision Decide(absl::Span<const BucketVerdict> range, int n, int m,
                TreatMissingData tmd);

// The evaluator's incremental form of a range of at most 64 buckets, one bit
// per bucket: bit k is the bucket of age k + 1 (bit 0 the newest). A bucket
// with a datapoint has its bit set in `present`; a breaching one also in
// `breaching` (a subset of `present`). Bits at or above R are zero.
struct VerdictMasks {
  uint64_t present = 0;
  uint64_t breaching = 0;
};

// Decide over masks (popcounts instead of a walk): returns exactly what
// Decide returns for the equivalent range of size `r`.
// Preconditions: 1 <= m <= n <= r <= 64; masks as described above.
//
//   VerdictMasks v{0b00100, 0b00100};  // Oldest -> newest: - - X - -.
//   DecideMasks(v, /*r=*/5, 3, 3, TreatMissingData::kMissing);  // kAlarm
Decision DecideMasks(VerdictMasks masks, int r, int n, int m,
                     TreatMissingData tmd);

// Converts a range (oldest first, size <= 64) to masks: for tests and for
// callers that hold verdicts. Precondition: range.size() <= 64.
VerdictMasks ToMasks(absl::Span<const BucketVerdict> range);

}  // namespace cwalarm

#endif  // CWALARM_ALARM_EVALUATION_WINDOW_H_
