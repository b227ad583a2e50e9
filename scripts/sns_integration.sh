#!/usr/bin/env bash
# SNS integration and fault tests against a real SNS-compatible server on
# 127.0.0.1 (issue 4), run by .ci/run after the Bazel tests:
#
#   0. SigV4: our signer vs the AWS SDK for JavaScript (tests/sigv4/check.sh).
#   1. Happy path: fauxqs (npm, pinned 1.9.2, started through buildApp() on
#      127.0.0.1 only) gets a topic with a subscribed SQS queue; `cwalarm
#      replay --sns-endpoint` replays examples/cpu_* through the alarm whose
#      AlarmActions/OKActions name that topic; the messages received from the
#      queue must equal `--print-notifications` field by field, in order.
#   2. Endpoint down at first, up later: replay starts with nothing listening
#      on its endpoint port, which comes up (a forwarding proxy to fauxqs)
#      while it retries; every notification arrives, in order.
#   3. Killed mid-delivery and restarted: a proxy in front of fauxqs fails
#      Publish calls; cwalarm is killed (SIGKILL) while retrying; a second run
#      on the same outbox delivers everything exactly once (the re-enqueued
#      notifications have the same idempotency key and are not duplicated).
#   4. 500s and throttling: the proxy answers 500, Throttling, 429 and 503
#      before forwarding; retries as configured, then success, and every
#      attempt shows up as an Action history item.
#
# No sleeps for pacing: every wait is a bounded poll on a condition (a port
# accepting connections, a file growing, a process exiting).
# Closing line: "sns_integration: N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]:-}"; do
    [[ -n "${pid}" ]] && kill "${pid}" 2>/dev/null || true
  done
  for pid in "${pids[@]:-}"; do
    [[ -n "${pid}" ]] && wait "${pid}" 2>/dev/null || true
  done
  rm -rf "${work}"
}
trap cleanup EXIT

export NODE_NO_WARNINGS=1
# Any non-empty credentials do for the emulator (it does not verify
# signatures); never real ones.
export AWS_ACCESS_KEY_ID=AKIDCWALARMTEST AWS_SECRET_ACCESS_KEY=cwalarm-test-secret
unset AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SNS

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for DESCRIPTION TIMEOUT_S COMMAND...: polls COMMAND until it succeeds.
wait_for() {
  local what="$1" timeout="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "sns_integration: timed out after ${timeout}s waiting for ${what}" >&2
      return 1
    fi
    sleep 0.1
  done
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_exit PID TIMEOUT_S: waits for a background process; returns its status.
wait_exit() {
  local pid="$1" timeout="$2"
  wait_for "process ${pid} to exit" "${timeout}" bash -c "! kill -0 ${pid}" || {
    kill -9 "${pid}" 2>/dev/null || true
    return 124
  }
  wait "${pid}"
}

if ! command -v node >/dev/null || ! command -v npm >/dev/null ||
    [[ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]]; then
  echo "sns_integration: needs Node >= 20 and npm on PATH (fauxqs@1.9.2 and" \
    "@aws-sdk/client-sns require it); found: $(node --version 2>&1 || true)" >&2
  exit 1
fi

echo "=== sns_integration: building //tools:cwalarm //tests:sigv4_test"
bazel build --color=no --curses=no //tools:cwalarm //tests:sigv4_test >/dev/null 2>&1 ||
  bazel build //tools:cwalarm //tests:sigv4_test
cwalarm="${root}/bazel-bin/tools/cwalarm"

echo "=== sns_integration: npm install (fauxqs@1.9.2, @aws-sdk/client-sns)"
(cd tests/sns_integration && npm install --no-audit --no-fund --loglevel=error)
(cd tests/sigv4 && npm install --no-audit --no-fund --loglevel=error)
harness=(node "${root}/tests/sns_integration/harness.mjs")

echo "=== 0. SigV4 signer vs @aws-sdk/client-sns"
if bash tests/sigv4/check.sh "${root}/bazel-bin/tests/sigv4_test"; then
  pass "sigv4: Authorization and body equal the AWS SDK for JavaScript's"
else
  fail "sigv4: differs from the AWS SDK for JavaScript"
fi

# start_server NAME PORT [PROXY_PORT FAULTS]
start_server() {
  local name="$1"
  shift
  "${harness[@]}" serve "$@" >"${work}/${name}.log" 2>&1 &
  pids+=($!)
  wait_for "fauxqs on port $1" 30 port_open "$1"
  if [[ $# -ge 2 ]]; then wait_for "proxy on port $2" 30 port_open "$2"; fi
}

# alarm_for TOPIC_ARN > file: the bundled example alarm, actions -> TOPIC.
alarm_for() {
  python3 - "$1" <<'PY'
import json, sys
a = json.load(open("examples/cpu_alarm.json"))
a["AlarmActions"] = [sys.argv[1]]
a["OKActions"] = [sys.argv[1]]
print(json.dumps(a))
PY
}

replay_args=(replay --metrics=examples/cpu_metrics.csv
  --sns-initial-backoff=0.1s --sns-max-backoff=0.5s --sns-max-attempts=100)

# --- 1. Happy path ---------------------------------------------------------
echo "=== 1. publish through fauxqs and receive from SQS"
p1="$(free_port)"
start_server s1 "${p1}"
topic="$("${harness[@]}" setup "${p1}" cwalarm-it)"
alarm_for "${topic}" >"${work}/alarm1.json"
"${cwalarm}" "${replay_args[@]}" --alarms="${work}/alarm1.json" \
  --print-notifications >"${work}/expected1.jsonl"
n="$(wc -l <"${work}/expected1.jsonl")"
echo "replay would publish ${n} notifications"
if "${cwalarm}" "${replay_args[@]}" --alarms="${work}/alarm1.json" \
    --sns-endpoint="http://127.0.0.1:${p1}" --sns-outbox="${work}/o1.outbox" \
    --sns-drain-timeout=30s >"${work}/report1.json" 2>"${work}/delivery1.log"; then
  pass "1: replay delivered and exited 0"
else
  fail "1: replay exited non-zero: $(cat "${work}/delivery1.log")"
fi
"${harness[@]}" receive "${p1}" cwalarm-it "${n}" 20 >"${work}/received1.jsonl"
if "${harness[@]}" check "${work}/expected1.jsonl" "${work}/received1.jsonl"; then
  pass "1: ${n} notifications received field by field, in order"
else
  fail "1: received notifications differ"
fi
if [[ "$(grep -c 'Successfully executed action' "${work}/delivery1.log")" == "${n}" ]]; then
  pass "1: one 'Successfully executed action' delivery item per notification"
else
  fail "1: delivery history: $(cat "${work}/delivery1.log")"
fi

# --- 2. Endpoint down at first, up later -------------------------------------
# fauxqs runs (so the topic exists) but the endpoint cwalarm talks to is a
# proxy port that only starts listening after cwalarm has failed to connect.
echo "=== 2. endpoint down at first, up later"
p2="$(free_port)"
q2="$(free_port)"
start_server s2 "${p2}"
topic2="$("${harness[@]}" setup "${p2}" cwalarm-late)"
alarm_for "${topic2}" >"${work}/alarm2.json"
"${cwalarm}" "${replay_args[@]}" --alarms="${work}/alarm2.json" \
  --print-notifications >"${work}/expected2.jsonl"
"${cwalarm}" "${replay_args[@]}" --alarms="${work}/alarm2.json" \
  --sns-endpoint="http://127.0.0.1:${q2}" --sns-outbox="${work}/o2.outbox" \
  --sns-drain-timeout=60s >/dev/null 2>"${work}/delivery2.log" &
replay_pid=$!
pids+=("${replay_pid}")
wait_for "a failed attempt against the closed port" 30 \
  grep -q "Couldn't connect" "${work}/delivery2.log"
"${harness[@]}" proxy "${q2}" "${p2}" >"${work}/proxy2.log" 2>&1 &
pids+=($!)
wait_for "proxy on port ${q2}" 30 port_open "${q2}"
if wait_exit "${replay_pid}" 90; then
  pass "2: replay finished after the endpoint came up"
else
  fail "2: replay did not finish: $(tail -3 "${work}/delivery2.log")"
fi
"${harness[@]}" receive "${p2}" cwalarm-late "$(wc -l <"${work}/expected2.jsonl")" 20 \
  >"${work}/received2.jsonl"
if "${harness[@]}" check "${work}/expected2.jsonl" "${work}/received2.jsonl"; then
  pass "2: every notification arrived, in order"
else
  fail "2: notifications lost or out of order"
fi
if grep -q "Failed to execute action" "${work}/delivery2.log"; then
  pass "2: the failed connection attempts are Action history items"
else
  fail "2: no failed attempt recorded"
fi

# --- 3. Killed mid-delivery, restarted ---------------------------------------
echo "=== 3. killed mid-delivery and restarted"
p3="$(free_port)"
q3="$(free_port)"
start_server s3 "${p3}" "${q3}" "503,503,503,503,503,503,503,503"
topic3="$("${harness[@]}" setup "${p3}" cwalarm-kill)"
alarm_for "${topic3}" >"${work}/alarm3.json"
"${cwalarm}" "${replay_args[@]}" --alarms="${work}/alarm3.json" \
  --print-notifications >"${work}/expected3.jsonl"
"${cwalarm}" "${replay_args[@]}" --alarms="${work}/alarm3.json" \
  --sns-endpoint="http://127.0.0.1:${q3}" --sns-outbox="${work}/o3.outbox" \
  --sns-drain-timeout=60s >/dev/null 2>"${work}/delivery3a.log" &
replay_pid=$!
pids+=("${replay_pid}")
wait_for "two injected failures" 30 bash -c "[[ \$(grep -c 'proxy: injected' '${work}/s3.log') -ge 2 ]]"
kill -9 "${replay_pid}" 2>/dev/null || true
wait "${replay_pid}" 2>/dev/null || true
echo "killed cwalarm after $(grep -c 'proxy: injected' "${work}/s3.log") failed attempts"
if "${cwalarm}" "${replay_args[@]}" --alarms="${work}/alarm3.json" \
    --sns-endpoint="http://127.0.0.1:${q3}" --sns-outbox="${work}/o3.outbox" \
    --sns-drain-timeout=60s >/dev/null 2>"${work}/delivery3b.log"; then
  pass "3: restarted replay drained the outbox"
else
  fail "3: restarted replay: $(tail -3 "${work}/delivery3b.log")"
fi
"${harness[@]}" receive "${p3}" cwalarm-kill "$(($(wc -l <"${work}/expected3.jsonl") + 1))" 5 \
  >"${work}/received3.jsonl"
if "${harness[@]}" check "${work}/expected3.jsonl" "${work}/received3.jsonl"; then
  pass "3: nothing lost, nothing duplicated, in order"
else
  fail "3: after the restart"
fi

# --- 4. 500s and throttling ----------------------------------------------------
echo "=== 4. 500, Throttling, 429, 503 then success"
p4="$(free_port)"
q4="$(free_port)"
start_server s4 "${p4}" "${q4}" "500,throttle,429,503"
topic4="$("${harness[@]}" setup "${p4}" cwalarm-faults)"
alarm_for "${topic4}" >"${work}/alarm4.json"
"${cwalarm}" "${replay_args[@]}" --alarms="${work}/alarm4.json" \
  --print-notifications >"${work}/expected4.jsonl"
if "${cwalarm}" "${replay_args[@]}" --alarms="${work}/alarm4.json" \
    --sns-endpoint="http://127.0.0.1:${q4}" --sns-outbox="${work}/o4.outbox" \
    --sns-drain-timeout=60s >/dev/null 2>"${work}/delivery4.log"; then
  pass "4: replay delivered despite injected errors"
else
  fail "4: replay: $(tail -3 "${work}/delivery4.log")"
fi
"${harness[@]}" receive "${p4}" cwalarm-faults "$(wc -l <"${work}/expected4.jsonl")" 20 \
  >"${work}/received4.jsonl"
if "${harness[@]}" check "${work}/expected4.jsonl" "${work}/received4.jsonl"; then
  pass "4: all notifications arrived after retries"
else
  fail "4: notifications after retries"
fi
failures="$(grep -c 'Failed to execute action' "${work}/delivery4.log" || true)"
if [[ "${failures}" == "4" ]] && grep -q 'HTTP 500' "${work}/delivery4.log" &&
    grep -q 'Throttling' "${work}/delivery4.log" && grep -q 'HTTP 429' "${work}/delivery4.log"; then
  pass "4: four failed attempts (500, Throttling, 429, 503) recorded as Action items"
else
  fail "4: expected 4 failed Action items, got ${failures}: $(cat "${work}/delivery4.log")"
fi

echo "sns_integration: ${passed} passed, ${failed} failed"
[[ ${failed} -eq 0 ]]
