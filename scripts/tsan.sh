#!/usr/bin/env bash
# Builds the tests that use threads with ThreadSanitizer (CMake,
# CWALARM_TSAN=ON, in build-tsan/) and runs them; fails on any data race,
# lock-order inversion or other TSan report (halt_on_error).
#
#   bash scripts/tsan.sh
#
# The list: every test that starts a thread or shares an object between
# threads (the SNS delivery worker and the outbox it locks). Add a test here
# when it starts using threads.
set -euo pipefail
cd "$(dirname "$0")/.."

TSAN_TESTS=(
  outbox_test      # Outbox: absl::Mutex-guarded appends and MarkDone
  delivery_test    # DeliveryWorker over the outbox
  sns_sink_test    # SnsSink's background worker thread vs Execute/Drain
  ingest_queue_test  # IngestQueue: producer threads vs the evaluating thread
  soak_test        # a producer thread ingesting through IngestQueue while evaluating (~1 min)
  alarm_evaluator_incremental_test  # Evaluate(now, threads): shards deciding concurrently
)

cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCWALARM_TSAN=ON -DCWALARM_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-tsan -j2 --target "${TSAN_TESTS[@]}"

export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=4 suppressions=$(pwd)/scripts/tsan.supp"
failed=()
for t in "${TSAN_TESTS[@]}"; do
  echo "=== ${t} under TSan ==="
  if ! "build-tsan/tests/${t}" --gtest_brief=1; then failed+=("${t}"); fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "tsan.sh: failed under ThreadSanitizer: ${failed[*]}" >&2
  exit 1
fi
echo "tsan.sh: ${#TSAN_TESTS[@]} test(s) clean under ThreadSanitizer"
