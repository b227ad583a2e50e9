#!/usr/bin/env bash
# Replays the example metrics through the example alarms with the CLI.
# Extra arguments go to the CLI, e.g. `bash scripts/replay_example.sh --format=json`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install_deps.sh >&2
bazel build //tools:cwalarm >&2
exec bazel-bin/tools/cwalarm replay \
  --alarms=examples/cpu_alarm.json \
  --metrics=examples/cpu_metrics.csv \
  --format=text \
  "$@"
