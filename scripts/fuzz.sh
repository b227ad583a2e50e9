#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined, through CMake with
# CWALARM_BUILD_FUZZERS=ON in build-fuzz/) and runs each for a bounded time,
# starting from its seed corpus tests/fuzz/corpus/<target>/ (copied, so the
# repository is never written). Fails on any crash, leak, timeout, sanitizer
# report or differential mismatch; the reproducer is kept under
# build-fuzz/artifacts/ and its path printed.
#
#   bash scripts/fuzz.sh                    # every target, 20 s each
#   bash scripts/fuzz.sh --seconds=300      # longer
#   bash scripts/fuzz.sh --seconds=30 --jobs=2   # two targets at a time (CI)
#   bash scripts/fuzz.sh --only=differential_fuzzer --seconds=60
#   bash scripts/fuzz.sh --build-only
#
# Needs clang and libclang-rt-14-dev: bash scripts/install_deps.sh --with-fuzzers
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=20
JOBS=1
ONLY=""
BUILD_ONLY=0
BUILD_DIR=build-fuzz
for arg in "$@"; do
  case "${arg}" in
    --seconds=*) SECONDS_PER_TARGET="${arg#--seconds=}" ;;
    --jobs=*) JOBS="${arg#--jobs=}" ;;
    --only=*) ONLY="${arg#--only=}" ;;
    --build-only) BUILD_ONLY=1 ;;
    --build-dir=*) BUILD_DIR="${arg#--build-dir=}" ;;
    *) echo "fuzz.sh: unknown argument ${arg}" >&2; exit 2 ;;
  esac
done

TARGETS=(
  alarm_json_fuzzer
  alarm_textproto_fuzzer
  metrics_json_fuzzer
  metrics_csv_fuzzer
  extended_statistic_fuzzer
  alarm_rule_fuzzer
  differential_fuzzer
  metric_math_fuzzer
)
if [[ -n "${ONLY}" ]]; then TARGETS=("${ONLY}"); fi

if ! command -v clang++ >/dev/null; then
  echo "fuzz.sh: clang++ not found; run: bash scripts/install_deps.sh --with-fuzzers" >&2
  exit 1
fi

cmake -S . -B "${BUILD_DIR}" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="-O1 -g" \
  -DCWALARM_BUILD_FUZZERS=ON -DCWALARM_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "${BUILD_DIR}" -j2 --target "${TARGETS[@]}"
[[ ${BUILD_ONLY} -eq 1 ]] && exit 0

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if ! [[ "${JOBS}" =~ ^[1-9][0-9]*$ ]]; then
  echo "fuzz.sh: --jobs must be a positive integer" >&2
  exit 2
fi

# Runs one target; its log is ${BUILD_DIR}/<target>.log and its outcome
# (ok / FAILED) ${BUILD_DIR}/<target>.result, so that targets can run in
# parallel (--jobs) and still report one by one, in list order.
run_target() {
  local t="$1"
  local work="${BUILD_DIR}/corpus/${t}"
  local artifacts="${BUILD_DIR}/artifacts"
  local log="${BUILD_DIR}/${t}.log"
  mkdir -p "${work}" "${artifacts}"
  rm -f "${BUILD_DIR}/${t}.result"
  # The first directory receives new inputs; the seeds are only read.
  if "${BUILD_DIR}/tests/fuzz/${t}" -max_total_time="${SECONDS_PER_TARGET}" \
      -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
      -artifact_prefix="${artifacts}/${t}-" \
      "${work}" "tests/fuzz/corpus/${t}" >"${log}" 2>&1; then
    echo ok >"${BUILD_DIR}/${t}.result"
  else
    echo FAILED >"${BUILD_DIR}/${t}.result"
  fi
}

echo "=== ${#TARGETS[@]} target(s), ${SECONDS_PER_TARGET} s each, ${JOBS} at a time ==="
running=0
for t in "${TARGETS[@]}"; do
  if [[ ${running} -ge ${JOBS} ]]; then
    wait -n || true
    running=$((running - 1))
  fi
  echo "--- ${t}: started"
  run_target "${t}" &
  running=$((running + 1))
done
wait || true

failed=()
for t in "${TARGETS[@]}"; do
  log="${BUILD_DIR}/${t}.log"
  result="$(cat "${BUILD_DIR}/${t}.result" 2>/dev/null || echo FAILED)"
  if [[ "${result}" == ok ]]; then
    echo "=== ${t}: ok, $(grep -E '^(stat::number_of_executed_units|stat::new_units_added)' "${log}" | tr '\n' ' ')"
  else
    echo "fuzz.sh: ${t} FAILED; log ${log}:" >&2
    grep -E 'ERROR|SUMMARY|runtime error|fuzz property|mismatch|Test unit written' "${log}" | head -20 >&2 || true
    failed+=("${t}")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${#TARGETS[@]} target(s) ran ${SECONDS_PER_TARGET} s each without a finding"
