#!/usr/bin/env bash
# Whole-process comparison of `cwalarm replay` with Prometheus's
# `promtool test rules` on the same metric history (issue 7's baseline).
#
#   bash benchmarks/promtool_compare.sh [SIZE ...]     # default: 10000 100000 1000000
#
# For each SIZE (number of samples) it generates, in $OUT (default
# /tmp/cwalarm-promtool):
#   SIZE/metrics.csv, SIZE/alarm.json   one sample per minute of one metric
#                                        and an alarm "Average > 80, 3 of 3
#                                        one-minute periods" for cwalarm;
#   SIZE/rules.yml, SIZE/test.yml        the same series as promtool
#                                        input_series (expanding notation
#                                        "a+0xN" per constant run) and an
#                                        alerting rule `expr: cpu > 80` with
#                                        `for: 3m` (the 3-of-3 hold), evaluated
#                                        every minute over the whole history.
# Then it runs each tool as a whole process, REPEAT times (default 3), and
# prints the median wall seconds of each, the ratio promtool / cwalarm, how
# each grows from one size to the next, and each tool's peak resident set in
# MiB (GNU time's %M, the largest of the REPEAT runs). Both tools evaluate once per
# simulated minute, so both do SIZE evaluations of one alarm / rule.
#
# Needs: cwalarm built with `bazel build -c opt //tools:cwalarm` (or
# CWALARM=/path/to/cwalarm), promtool (Debian package `prometheus`, installed
# by `bash scripts/install_deps.sh --with-promtool`), python3.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(10000 100000 1000000)
OUT="${OUT:-/tmp/cwalarm-promtool}"
REPEAT="${REPEAT:-3}"
CWALARM="${CWALARM:-bazel-bin/tools/cwalarm}"
PROMTOOL="${PROMTOOL:-$(command -v promtool || true)}"

if [[ ! -x "${CWALARM}" ]]; then
  echo "promtool_compare: ${CWALARM} not found; run: bazel build -c opt //tools:cwalarm" >&2
  exit 1
fi
if [[ -z "${PROMTOOL}" ]]; then
  echo "promtool_compare: promtool not found; run: bash scripts/install_deps.sh --with-promtool" >&2
  exit 1
fi

# generate SIZE DIR: both inputs from one seeded series of constant runs.
generate() {
  python3 - "$1" "$2" <<'PY'
import json, os, random, sys
size, out = int(sys.argv[1]), sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = random.Random(7)
runs, left = [], size
while left > 0:
    n = min(left, rng.randint(5, 120))
    breach = rng.random() < 0.15 and left - n > 10   # the history ends calm
    runs.append((rng.randint(81, 99) if breach else rng.randint(20, 79), n))
    left -= n
base = 1704067200  # 2024-01-01T00:00:00Z
with open(os.path.join(out, "metrics.csv"), "w") as f:
    f.write("Timestamp,Namespace,MetricName,Dimensions,Unit,Value\n")
    t = base
    for value, n in runs:
        for _ in range(n):
            f.write("%d,Bench/App,CPUUtilization,InstanceId=i-1,Percent,%d\n" % (t, value))
            t += 60
alarm = {
    "AlarmName": "cpu-high", "ActionsEnabled": True,
    "AlarmActions": ["arn:aws:sns:us-east-1:123456789012:ops"],
    "OKActions": ["arn:aws:sns:us-east-1:123456789012:ops"],
    "MetricName": "CPUUtilization", "Namespace": "Bench/App",
    "Statistic": "Average", "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
    "Period": 60, "EvaluationPeriods": 3, "DatapointsToAlarm": 3,
    "Threshold": 80.0, "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "missing"}
with open(os.path.join(out, "alarm.json"), "w") as f:
    json.dump(alarm, f, indent=2)
with open(os.path.join(out, "rules.yml"), "w") as f:
    f.write("groups:\n- name: bench\n  rules:\n  - alert: CpuHigh\n"
            "    expr: cpu > 80\n    for: 3m\n")
# Expanding notation: "v+0xK" is K+1 samples of v, so a run of n is v+0x(n-1).
series = " ".join("%d+0x%d" % (v, n - 1) if n > 1 else "%d" % v for v, n in runs)
with open(os.path.join(out, "test.yml"), "w") as f:
    f.write("rule_files:\n- rules.yml\nevaluation_interval: 1m\ntests:\n"
            "- interval: 1m\n  input_series:\n  - series: 'cpu{instance=\"i-1\"}'\n"
            "    values: '%s'\n  alert_rule_test:\n  - eval_time: %dm\n"
            "    alertname: CpuHigh\n    exp_alerts: []\n" % (series, size - 1))
PY
}

# run_timed CMD...: runs CMD REPEAT times; prints the median wall seconds and
# the peak resident set (MiB, the largest of the runs, from GNU time's %M;
# "-" when /usr/bin/time is missing).
run_timed() {
  local times=() t rss_file peak="-"
  rss_file=$(mktemp)
  for ((i = 0; i < REPEAT; i++)); do
    local TIMEFORMAT=%R
    if [[ -x /usr/bin/time ]]; then
      t=$( { time /usr/bin/time -a -o "${rss_file}" -f %M "$@" >/dev/null 2>&1; } 2>&1 ) || {
        echo "promtool_compare: failed: $*" >&2; rm -f "${rss_file}"; exit 1; }
    else
      t=$( { time "$@" >/dev/null 2>&1; } 2>&1 ) || {
        echo "promtool_compare: failed: $*" >&2; rm -f "${rss_file}"; exit 1; }
    fi
    times+=("${t}")
  done
  if [[ -s "${rss_file}" ]]; then
    peak=$(sort -n "${rss_file}" | tail -1 | awk '{printf "%.0f", $1 / 1024}')
  fi
  rm -f "${rss_file}"
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "${median} ${peak}"
}

printf '%-10s %12s %12s %16s %14s %14s %12s %12s\n' samples cwalarm_s promtool_s \
  promtool/cwalarm cwalarm_growth promtool_growth cwalarm_MiB promtool_MiB
prev_c="" prev_p=""
for size in "${SIZES[@]}"; do
  dir="${OUT}/${size}"
  generate "${size}" "${dir}"
  read -r c c_mib < <(run_timed "${CWALARM}" replay --alarms="${dir}/alarm.json" \
        --metrics="${dir}/metrics.csv" --format=json)
  read -r p p_mib < <(cd "${dir}" && run_timed "${PROMTOOL}" test rules test.yml)
  ratio=$(awk -v a="${p}" -v b="${c}" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}')
  gc="-" gp="-"
  if [[ -n "${prev_c}" ]]; then
    gc=$(awk -v a="${c}" -v b="${prev_c}" 'BEGIN {printf "x%.1f", (b > 0 ? a / b : 0)}')
    gp=$(awk -v a="${p}" -v b="${prev_p}" 'BEGIN {printf "x%.1f", (b > 0 ? a / b : 0)}')
  fi
  printf '%-10s %12s %12s %16s %14s %14s %12s %12s\n' "${size}" "${c}" "${p}" "${ratio}" \
    "${gc}" "${gp}" "${c_mib}" "${p_mib}"
  prev_c="${c}" prev_p="${p}"
done
